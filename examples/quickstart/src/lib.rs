//! The quickstart app: one topic, one consumer that logs each payload.

pub mod consumers;
pub mod karafka;
