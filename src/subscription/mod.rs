//! Subscribing to image lists and keeping them current: the trust and update rules of
//! product.md §5 and §11 applied to the database.

mod add;
mod check;
mod password;
mod registry;
pub mod rules;
mod update;
mod update_all;

pub use add::{add, AddRequest, Added};
pub use check::{check_list, ListCheck, Outcome};
pub use password::read_password;
pub use registry::{add_registry, RegistryRequest};
pub use update::{clear_solved_crl_problems, update, withdraw_unauthorised, Update, Updated};
pub use update_all::{update_all, SubscriptionOutcome, UpdateReport};
