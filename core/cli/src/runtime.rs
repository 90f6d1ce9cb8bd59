//! Runtime commands, run inside an installed package.
use crate::Result;
use clap::{Args, Subcommand};
use std::process::ExitCode;
#[derive(Subcommand)]
pub enum HookCommand {}
#[derive(Subcommand)]
pub enum SkillsCommand {}
#[derive(Subcommand)]
pub enum StoreCommand {}
#[derive(Subcommand)]
pub enum MetricsCommand {}
#[derive(Args)]
pub struct FeedbackArgs {}
pub fn hook(c: HookCommand) -> Result<ExitCode> {
    match c {}
}
pub fn skills(c: SkillsCommand) -> Result<ExitCode> {
    match c {}
}
pub fn store(c: StoreCommand) -> Result<ExitCode> {
    match c {}
}
pub fn metrics(c: MetricsCommand) -> Result<ExitCode> {
    match c {}
}
pub fn feedback(_a: FeedbackArgs) -> Result<ExitCode> {
    Err("not yet".into())
}
