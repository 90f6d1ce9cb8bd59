//! Workspace-level tests; see fixtures.rs.
