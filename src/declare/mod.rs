//! Sources as code: endorsers and subscriptions declared in the configuration file and its
//! `conf.d/*.toml` drop-ins, and `apply`, which makes the database match them.

mod apply;
mod load;

pub(crate) use apply::{apply, reselect, Change};
pub(crate) use load::{load, Declarations, Selection};

use crate::subscription::read_password;
