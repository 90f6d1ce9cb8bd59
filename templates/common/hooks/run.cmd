@echo off
rem skillwright launcher for Windows. Usage: hooks\run.cmd HOST
rem Runs the bundled native binary; if it is missing or fails, prints hooks\static\HOST.
setlocal
set "root=%~dp0.."
set "host=%~1"
set "arch=x86_64"
if /i "%PROCESSOR_ARCHITECTURE%"=="ARM64" set "arch=aarch64"
set "exe=%root%\bin\%arch%-pc-windows-msvc\skillwright.exe"
if exist "%exe%" (
  "%exe%" hook session-start --host "%host%" --root "%root%" 2>nul && exit /b 0
)
if exist "%root%\hooks\static\%host%" type "%root%\hooks\static\%host%"
exit /b 0
