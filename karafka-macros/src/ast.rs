//! The routing DSL's syntax tree and its parser. Mistakes that need no type information (an
//! unknown key, a key given twice, a topic routed twice, a topic without a consumer) are
//! reported here, at the offending token.

use std::collections::HashSet;

use syn::parse::{Parse, ParseStream};
use syn::{braced, parenthesized, Error, Expr, Ident, LitStr, Result, Token, Type};

/// Keys a topic block accepts.
pub(crate) const TOPIC_KEYS: &[&str] = &[
    "consumer",
    "max_messages",
    "max_wait_time",
    "initial_offset",
    "active",
    "manual_offset_management",
    "kafka",
    "subscription_group",
    "deserializer",
    "layer",
    "config",
    "dead_letter_queue",
    "virtual_partitions",
    "long_running_job",
    "filter",
    "expire_in",
    "delay_by",
    "throttle",
];

/// Keys that may appear more than once in a block.
const REPEATABLE: &[&str] = &["layer"];

/// The whole `routes! { ... }` input.
pub(crate) struct Routes {
    pub(crate) items: Vec<Item>,
}

pub(crate) enum Item {
    Defaults(Settings),
    Route(Route),
    ConsumerGroup { name: LitStr, items: Vec<Item> },
    SubscriptionGroup { name: LitStr, routes: Vec<Route> },
}

/// `topic "name" ...` or `pattern(r"regex") ...`.
pub(crate) struct Route {
    pub(crate) kind: RouteKind,
    pub(crate) name: LitStr,
    pub(crate) settings: Settings,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteKind {
    Topic,
    Pattern,
}

/// `key: value` pairs of a topic or `defaults` block, in order.
pub(crate) struct Settings {
    pub(crate) entries: Vec<Setting>,
}

pub(crate) struct Setting {
    pub(crate) key: Ident,
    pub(crate) value: Value,
}

pub(crate) enum Value {
    /// `consumer: SomeType`.
    Type(Box<Type>),
    /// `kafka: { "k": v }`, `config: { partitions: 6, "k": v }`, feature blocks.
    Block(Vec<(BlockKey, Expr)>),
    /// Any expression.
    Expr(Box<Expr>),
}

pub(crate) enum BlockKey {
    Ident(Ident),
    Str(LitStr),
}

impl Parse for Routes {
    fn parse(input: ParseStream<'_>) -> Result<Self> {
        let items = parse_items(input, Scope::Routes)?;
        check_duplicates(&items)?;
        check_consumers(&items, false)?;
        Ok(Self { items })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Routes,
    ConsumerGroup,
    SubscriptionGroup,
}

fn parse_items(input: ParseStream<'_>, scope: Scope) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        let keyword: Ident = input.parse()?;
        let item = match keyword.to_string().as_str() {
            "topic" => Item::Route(parse_route(input, RouteKind::Topic)?),
            "pattern" => Item::Route(parse_route(input, RouteKind::Pattern)?),
            "defaults" if scope == Scope::Routes => {
                let content;
                braced!(content in input);
                Item::Defaults(parse_settings(&content)?)
            }
            "consumer_group" if scope == Scope::Routes => {
                let name: LitStr = input.parse()?;
                let content;
                braced!(content in input);
                Item::ConsumerGroup {
                    name,
                    items: parse_items(&content, Scope::ConsumerGroup)?,
                }
            }
            "subscription_group" if scope != Scope::SubscriptionGroup => {
                let name: LitStr = input.parse()?;
                let content;
                braced!(content in input);
                let routes = parse_items(&content, Scope::SubscriptionGroup)?
                    .into_iter()
                    .filter_map(|item| match item {
                        Item::Route(route) => Some(route),
                        _ => None,
                    })
                    .collect();
                Item::SubscriptionGroup { name, routes }
            }
            other => {
                let expected = match scope {
                    Scope::Routes => {
                        "`topic`, `pattern`, `consumer_group`, `subscription_group` or `defaults`"
                    }
                    Scope::ConsumerGroup => "`topic`, `pattern` or `subscription_group`",
                    Scope::SubscriptionGroup => "`topic` or `pattern`",
                };
                return Err(Error::new(
                    keyword.span(),
                    format!("unexpected `{other}`: expected {expected}"),
                ));
            }
        };
        items.push(item);
        if !input.is_empty() && (input.peek(Token![,]) || input.peek(Token![;])) {
            let _: proc_macro2::TokenTree = input.parse()?;
        }
    }
    Ok(items)
}

fn parse_route(input: ParseStream<'_>, kind: RouteKind) -> Result<Route> {
    let name: LitStr = if kind == RouteKind::Pattern {
        let content;
        parenthesized!(content in input);
        content.parse()?
    } else {
        input.parse()?
    };
    if name.value().is_empty() {
        return Err(Error::new(name.span(), "a topic name must not be empty"));
    }
    let settings = if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        let consumer: Type = input.parse()?;
        Settings {
            entries: vec![Setting {
                key: Ident::new("consumer", arrow.spans[0]),
                value: Value::Type(Box::new(consumer)),
            }],
        }
    } else {
        let content;
        braced!(content in input);
        parse_settings(&content)?
    };
    Ok(Route {
        kind,
        name,
        settings,
    })
}

fn parse_settings(input: ParseStream<'_>) -> Result<Settings> {
    let mut entries: Vec<Setting> = Vec::new();
    while !input.is_empty() {
        let key: Ident = input.parse()?;
        let name = key.to_string();
        if !TOPIC_KEYS.contains(&name.as_str()) {
            return Err(Error::new(
                key.span(),
                format!(
                    "unknown topic setting `{name}`; expected one of: {}",
                    TOPIC_KEYS.join(", ")
                ),
            ));
        }
        if !REPEATABLE.contains(&name.as_str()) && entries.iter().any(|entry| entry.key == key) {
            return Err(Error::new(key.span(), format!("`{name}` is set twice")));
        }
        input.parse::<Token![:]>()?;
        let value = match name.as_str() {
            "consumer" => Value::Type(Box::new(input.parse()?)),
            "kafka" | "config" | "dead_letter_queue" | "virtual_partitions" | "throttle" => {
                Value::Block(parse_block(input, &key)?)
            }
            _ => Value::Expr(Box::new(input.parse()?)),
        };
        entries.push(Setting { key, value });
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(Settings { entries })
}

fn parse_block(input: ParseStream<'_>, owner: &Ident) -> Result<Vec<(BlockKey, Expr)>> {
    let content;
    braced!(content in input);
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    while !content.is_empty() {
        let key = if content.peek(LitStr) {
            BlockKey::Str(content.parse()?)
        } else {
            BlockKey::Ident(content.parse()?)
        };
        let (text, span) = match &key {
            BlockKey::Str(lit) => (lit.value(), lit.span()),
            BlockKey::Ident(ident) => (ident.to_string(), ident.span()),
        };
        if owner == "kafka" && matches!(key, BlockKey::Ident(_)) {
            return Err(Error::new(
                span,
                "kafka settings are librdkafka property names in quotes, e.g. \"fetch.max.bytes\"",
            ));
        }
        if !seen.insert(text.clone()) {
            return Err(Error::new(span, format!("`{text}` is set twice")));
        }
        content.parse::<Token![:]>()?;
        entries.push((key, content.parse()?));
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(entries)
}

fn routes_of(items: &[Item]) -> impl Iterator<Item = &Route> {
    items
        .iter()
        .flat_map(|item| -> Box<dyn Iterator<Item = &Route>> {
            match item {
                Item::Route(route) => Box::new(std::iter::once(route)),
                Item::SubscriptionGroup { routes, .. } => Box::new(routes.iter()),
                Item::Defaults(_) | Item::ConsumerGroup { .. } => Box::new(std::iter::empty()),
            }
        })
}

/// A topic routed twice in one consumer group of this invocation.
fn check_duplicates(items: &[Item]) -> Result<()> {
    let groups = std::iter::once(items).chain(items.iter().filter_map(|item| match item {
        Item::ConsumerGroup { items, .. } => Some(items.as_slice()),
        _ => None,
    }));
    for group in groups {
        let mut seen = HashSet::new();
        for route in routes_of(group) {
            if !seen.insert(route.name.value()) {
                return Err(Error::new(
                    route.name.span(),
                    format!(
                        "topic `{}` is routed twice in this consumer group",
                        route.name.value()
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A route without a consumer, where no `defaults` block of this invocation gives one.
fn check_consumers(items: &[Item], defaults_have_one: bool) -> Result<()> {
    let has_consumer =
        |settings: &Settings| settings.entries.iter().any(|entry| entry.key == "consumer");
    let defaults_have_one = defaults_have_one
        || items
            .iter()
            .any(|item| matches!(item, Item::Defaults(settings) if has_consumer(settings)));
    for route in routes_of(items) {
        if !defaults_have_one && !has_consumer(&route.settings) {
            return Err(Error::new(
                route.name.span(),
                format!(
                    "topic `{}` has no consumer: add `consumer: MyConsumer`",
                    route.name.value()
                ),
            ));
        }
    }
    for item in items {
        if let Item::ConsumerGroup { items, .. } = item {
            check_consumers(items, defaults_have_one)?;
        }
    }
    Ok(())
}
