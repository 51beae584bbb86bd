//! The pages: pure functions from data to markup, sharing one [`layout`].

pub mod chart;
pub mod cluster;
pub mod consumers;
pub mod dashboard;
pub mod dead_letters;
pub mod errors;
pub mod explorer;
pub mod format;
pub mod layout;
pub mod messages;
pub mod routes;
