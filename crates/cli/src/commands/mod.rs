//! One module per `lt` subcommand.

pub(crate) mod bdecode;
pub(crate) mod check;
pub(crate) mod create;
pub(crate) mod download;
pub(crate) mod info;
pub(crate) mod magnet;
pub(crate) mod tracker;
