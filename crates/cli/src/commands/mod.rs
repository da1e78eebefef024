//! One module per `lt` subcommand.

pub(crate) mod bdecode;
pub(crate) mod check;
pub(crate) mod create;
pub(crate) mod download;
pub(crate) mod info;
pub(crate) mod magnet;
pub(crate) mod resume_file;
pub(crate) mod seed;
pub(crate) mod session_ui;
pub(crate) mod tracker;
