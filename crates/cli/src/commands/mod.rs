//! One module per `lt` subcommand.

pub(crate) mod bdecode;
