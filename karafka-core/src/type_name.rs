//! Short names of Rust types, for logs and as the default names of jobs.

/// `my_app::consumers::OrdersConsumer` → `OrdersConsumer`: the type's own name without its
/// module path (generic arguments are kept).
pub(crate) fn short_type_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let path_end = full.find('<').unwrap_or(full.len());
    full[..path_end]
        .rfind("::")
        .map_or(full, |at| &full[at + 2..])
}

#[cfg(test)]
mod tests {
    use super::*;

    mod outer {
        pub struct Inner<T>(T);
        pub struct Plain;
    }

    #[test]
    fn short_type_names_drop_the_module_path() {
        assert_eq!(short_type_name::<outer::Plain>(), "Plain");
        assert_eq!(short_type_name::<outer::Inner<u8>>(), "Inner<u8>");
    }
}
