//! The routing DSL's syntax tree and its parser. Mistakes that need no type information (an
//! unknown key, a key given twice, a topic routed or declared twice, a topic without a consumer)
//! are reported here, at the offending token. Names given as expressions are only known when the app
//! runs, so the checks of names leave them to the builder's validation.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::token::{Brace, Paren};
use syn::{
    braced, bracketed, parenthesized, Error, Expr, ExprLit, Ident, Lit, LitStr, Result, Token, Type,
};

/// Keys a topic block accepts.
pub(crate) const TOPIC_KEYS: &[&str] = &[
    "consumer",
    "consumer_with",
    "max_messages",
    "max_wait_time",
    "initial_offset",
    "active",
    "manual_offset_management",
    "kafka",
    "subscription_group",
    "deserializer",
    "deserializers",
    "layer",
    "config",
    "dead_letter_queue",
    "virtual_partitions",
    "long_running_job",
    "filter",
    "expire_in",
    "delay_by",
    "throttle",
    "periodic",
    "eofed",
    "pause",
    "wrap",
    "critical_errors",
    "jobs",
];

/// Settings a `subscription_group` block accepts besides its topics.
pub(crate) const SUBSCRIPTION_GROUP_KEYS: &[&str] = &["multiplexing"];

/// Keys a `declare` block accepts: Karafka's declaration settings.
pub(crate) const DECLARE_KEYS: &[&str] = &["partitions", "replication_factor", "active", "config"];

/// Keys a `recurring_tasks` block accepts besides its `task` items: `RecurringTasks` methods.
pub(crate) const RECURRING_TASKS_KEYS: &[&str] =
    &["group_id", "topic", "logs_topic", "interval", "version"];

/// Keys a recurring `task` block accepts: `Task` methods.
pub(crate) const TASK_KEYS: &[&str] = &["cron", "run", "body", "enabled", "previous_time"];

/// Keys a `scheduled_messages` block accepts: `ScheduledMessages` methods.
pub(crate) const SCHEDULED_MESSAGES_KEYS: &[&str] = &["group_id", "interval", "config"];

/// The parts a `deserializers` block names, each a `Deserializers` method.
const DESERIALIZER_PARTS: &[&str] = &["payload", "key", "headers"];

/// Keys that may appear more than once in a block.
const REPEATABLE: &[&str] = &["layer"];

/// Whether `key` gives a topic its consumer; a block sets at most one such key.
fn is_consumer_key(key: &Ident) -> bool {
    key == "consumer" || key == "consumer_with" || is_jobs_key(key)
}

/// Whether `key` lists the job types of a jobs topic (whose consumer is the built-in one).
fn is_jobs_key(key: &Ident) -> bool {
    key == "jobs"
}

/// The whole `routes! { ... }` input.
pub(crate) struct Routes {
    pub(crate) items: Vec<Item>,
}

pub(crate) enum Item {
    Defaults(Settings),
    Route(Route),
    /// `declare NAME { partitions: 6, config: { "retention.ms": 1000 } }`: a topic declared
    /// apart from the routes.
    Declare(Declaration),
    /// `scheduled_messages NAME { group_id: "g", interval: 250 }`: a schedules topic with the
    /// built-in consumer.
    ScheduledMessages(ScheduledMessages),
    /// `recurring_tasks { interval: 1000, task "cleanup" { cron: "*/5 * * * *", run: ... } }`.
    RecurringTasks(RecurringTasks),
    ConsumerGroup {
        name: Name,
        items: Vec<Item>,
    },
    SubscriptionGroup {
        name: Name,
        /// `multiplexing: { connections: 3 }`, when given.
        multiplexing: Option<Multiplexing>,
        routes: Vec<Route>,
    },
}

/// A subscription group's `multiplexing` setting.
pub(crate) enum Multiplexing {
    /// `{ connections: N }`: `Multiplexing::new().connections(N)`.
    Connections(Box<Expr>),
    /// Any expression of type `Multiplexing`.
    Expr(Box<Expr>),
}

/// `topic "name" ...` or `pattern(r"regex") ...`.
pub(crate) struct Route {
    pub(crate) kind: RouteKind,
    pub(crate) name: Name,
    pub(crate) settings: Settings,
}

/// `declare NAME` with its optional block.
pub(crate) struct Declaration {
    pub(crate) name: Name,
    /// `partitions`, `replication_factor`, `active`: `TopicConfig` methods.
    pub(crate) settings: Vec<(Ident, Expr)>,
    /// The `config` block: topic-level settings.
    pub(crate) config: Vec<(LitStr, Expr)>,
}

/// A `recurring_tasks` block: its settings and tasks, in order.
pub(crate) struct RecurringTasks {
    /// `group_id`, `topic`, `logs_topic`, `interval`, `version`: `RecurringTasks` methods.
    pub(crate) settings: Vec<(Ident, Expr)>,
    pub(crate) tasks: Vec<RecurringTask>,
}

/// `task NAME { cron: ..., run: ... }` in a `recurring_tasks` block.
pub(crate) struct RecurringTask {
    pub(crate) name: Name,
    /// `cron`, `run`, `body`, `enabled`, `previous_time`: `Task` methods.
    pub(crate) settings: Vec<(Ident, Expr)>,
}

/// `scheduled_messages NAME` with its optional block of `ScheduledMessages` settings.
pub(crate) struct ScheduledMessages {
    pub(crate) name: Name,
    pub(crate) settings: Vec<(Ident, Expr)>,
}

/// The name of a topic, pattern or group: a string literal, or a parenthesized expression whose
/// value is known only when the routes are built.
pub(crate) enum Name {
    Literal(LitStr),
    Expr(Box<Expr>),
}

impl Name {
    /// `(expr)` or `"literal"`; a parenthesized literal is a literal.
    fn parse_any(input: ParseStream<'_>) -> Result<Self> {
        if input.peek(Paren) {
            let content;
            parenthesized!(content in input);
            Ok(Self::from_expr(content.parse()?))
        } else {
            Ok(Self::Literal(input.parse()?))
        }
    }

    fn from_expr(expr: Expr) -> Self {
        match expr {
            Expr::Lit(ExprLit {
                lit: Lit::Str(literal),
                ..
            }) => Self::Literal(literal),
            expr => Self::Expr(Box::new(expr)),
        }
    }

    /// The name, when it is a literal.
    fn literal(&self) -> Option<String> {
        match self {
            Self::Literal(literal) => Some(literal.value()),
            Self::Expr(_) => None,
        }
    }

    fn span(&self) -> Span {
        match self {
            Self::Literal(literal) => literal.span(),
            Self::Expr(expr) => expr.span(),
        }
    }

    /// How error messages name the topic.
    fn describe(&self) -> String {
        self.literal()
            .map_or_else(|| "this topic".to_owned(), |name| format!("topic `{name}`"))
    }
}

impl ToTokens for Name {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Self::Literal(literal) => literal.to_tokens(tokens),
            Self::Expr(expr) => expr.to_tokens(tokens),
        }
    }
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
    /// `jobs: [SendEmail, ResizeImage]`: job types.
    Types(Vec<Type>),
}

pub(crate) enum BlockKey {
    Ident(Ident),
    Str(LitStr),
}

impl Parse for Routes {
    fn parse(input: ParseStream<'_>) -> Result<Self> {
        let items = parse_items(input, Scope::Routes)?;
        check_duplicates(&items)?;
        check_declared_once(&items)?;
        check_recurring_tasks_once(&items)?;
        check_consumers(&items, None)?;
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
        items.push(parse_item(input, scope)?);
        skip_separator(input)?;
    }
    Ok(items)
}

/// Items may be separated by `,` or `;`.
fn skip_separator(input: ParseStream<'_>) -> Result<()> {
    if !input.is_empty() && (input.peek(Token![,]) || input.peek(Token![;])) {
        let _: proc_macro2::TokenTree = input.parse()?;
    }
    Ok(())
}

fn parse_item(input: ParseStream<'_>, scope: Scope) -> Result<Item> {
    let keyword: Ident = input.parse()?;
    let item = match keyword.to_string().as_str() {
        "topic" => Item::Route(parse_route(input, RouteKind::Topic)?),
        "jobs" => Item::Route(parse_jobs_route(input, &keyword)?),
        "pattern" => Item::Route(parse_route(input, RouteKind::Pattern)?),
        "declare" if scope == Scope::Routes => Item::Declare(parse_declaration(input)?),
        "scheduled_messages" if scope == Scope::Routes => {
            Item::ScheduledMessages(parse_scheduled_messages(input)?)
        }
        "scheduled_messages" => {
            return Err(Error::new(
                keyword.span(),
                "`scheduled_messages` is a top-level item: the schedules topic has a \
                     consumer group of its own",
            ))
        }
        "recurring_tasks" if scope == Scope::Routes => {
            Item::RecurringTasks(parse_recurring_tasks(input)?)
        }
        "recurring_tasks" => {
            return Err(Error::new(
                keyword.span(),
                "`recurring_tasks` is a top-level item: the tasks have a consumer group of \
                     their own",
            ))
        }
        "declare" => {
            return Err(Error::new(
                keyword.span(),
                "`declare` is a top-level item: a declared topic belongs to no consumer group",
            ))
        }
        "defaults" if scope == Scope::Routes => {
            let content;
            braced!(content in input);
            Item::Defaults(parse_defaults(&content)?)
        }
        "consumer_group" if scope == Scope::Routes => {
            let name = Name::parse_any(input)?;
            let content;
            braced!(content in input);
            Item::ConsumerGroup {
                name,
                items: parse_items(&content, Scope::ConsumerGroup)?,
            }
        }
        "subscription_group" if scope != Scope::SubscriptionGroup => {
            parse_subscription_group(input)?
        }
        "multiplexing" => {
            return Err(Error::new(
                keyword.span(),
                "`multiplexing` is a setting of a subscription group: \
                     `subscription_group \"name\" { multiplexing: { connections: 3 }, topic ... }`",
            ))
        }
        other => {
            let expected = match scope {
                Scope::Routes => {
                    "`topic`, `jobs`, `pattern`, `declare`, `scheduled_messages`, \
                         `recurring_tasks`, `consumer_group`, `subscription_group` or `defaults`"
                }
                Scope::ConsumerGroup => "`topic`, `jobs`, `pattern` or `subscription_group`",
                Scope::SubscriptionGroup => "`topic`, `jobs` or `pattern`",
            };
            return Err(Error::new(
                keyword.span(),
                format!("unexpected `{other}`: expected {expected}"),
            ));
        }
    };
    Ok(item)
}

/// `subscription_group NAME { multiplexing: ..., topics and patterns }`, the setting anywhere
/// in the block.
fn parse_subscription_group(input: ParseStream<'_>) -> Result<Item> {
    let name = Name::parse_any(input)?;
    let content;
    braced!(content in input);
    let mut multiplexing = None;
    let mut routes = Vec::new();
    while !content.is_empty() {
        if content.peek(Ident) && content.peek2(Token![:]) {
            let (key, text) = parse_key(&content, SUBSCRIPTION_GROUP_KEYS, "subscription group")?;
            if multiplexing.is_some() {
                return Err(Error::new(key.span(), format!("`{text}` is set twice")));
            }
            content.parse::<Token![:]>()?;
            multiplexing = Some(parse_multiplexing(&content, &key)?);
        } else if let Item::Route(route) = parse_item(&content, Scope::SubscriptionGroup)? {
            routes.push(route);
        }
        skip_separator(&content)?;
    }
    Ok(Item::SubscriptionGroup {
        name,
        multiplexing,
        routes,
    })
}

/// `multiplexing: { connections: N }` or an expression of type `Multiplexing`. A literal count
/// below 1, and Karafka's dynamic settings, are refused here.
fn parse_multiplexing(input: ParseStream<'_>, key: &Ident) -> Result<Multiplexing> {
    if !input.peek(Brace) {
        return Ok(Multiplexing::Expr(Box::new(input.parse()?)));
    }
    let mut connections = None;
    for (setting, value) in parse_block(input, key)? {
        match &setting {
            BlockKey::Ident(ident) if ident == "connections" => {
                if let Expr::Lit(ExprLit {
                    lit: Lit::Int(count),
                    ..
                }) = &value
                {
                    if count.base10_parse::<u64>()? == 0 {
                        return Err(Error::new(count.span(), "`connections` must be at least 1"));
                    }
                }
                connections = Some(value);
            }
            BlockKey::Ident(ident) if ident == "max" => {
                return Err(Error::new(
                    ident.span(),
                    "Karafka's `max` is `connections` here: the number of connections is static",
                ))
            }
            BlockKey::Ident(ident) if ident == "min" || ident == "boot" => {
                return Err(Error::new(
                    ident.span(),
                    format!(
                    "`{ident}` belongs to Karafka's dynamic multiplexing, which is not offered: \
                         set the static number with `connections`"
                ),
                ))
            }
            other => {
                let span = match other {
                    BlockKey::Ident(ident) => ident.span(),
                    BlockKey::Str(text) => text.span(),
                };
                return Err(Error::new(span, "`multiplexing` takes `connections`"));
            }
        }
    }
    connections
        .map(|count| Multiplexing::Connections(Box::new(count)))
        .ok_or_else(|| {
            Error::new(
                key.span(),
                "`multiplexing` needs `connections`, e.g. `{ connections: 3 }`",
            )
        })
}

fn parse_route(input: ParseStream<'_>, kind: RouteKind) -> Result<Route> {
    let name = if kind == RouteKind::Pattern {
        // A pattern's parentheses are part of its syntax, so its name is always inside them.
        let content;
        parenthesized!(content in input);
        Name::from_expr(content.parse()?)
    } else {
        Name::parse_any(input)?
    };
    if name.literal().is_some_and(|name| name.is_empty()) {
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

/// `jobs NAME => [JobA, JobB]` or `jobs NAME { jobs: [JobA, JobB], key: value, ... }`: a topic
/// whose consumer is the built-in job consumer, performing the job types listed.
fn parse_jobs_route(input: ParseStream<'_>, keyword: &Ident) -> Result<Route> {
    let name = Name::parse_any(input)?;
    if name.literal().is_some_and(|name| name.is_empty()) {
        return Err(Error::new(name.span(), "a topic name must not be empty"));
    }
    let settings = if input.peek(Token![=>]) {
        let arrow: Token![=>] = input.parse()?;
        Settings {
            entries: vec![Setting {
                key: Ident::new("jobs", arrow.spans[0]),
                value: Value::Types(parse_job_types(input)?),
            }],
        }
    } else {
        let content;
        braced!(content in input);
        parse_settings(&content)?
    };
    if !settings.entries.iter().any(|entry| is_jobs_key(&entry.key)) {
        return Err(Error::new(
            keyword.span(),
            "a `jobs` route lists its job types: `jobs: [SendEmail, ...]`",
        ));
    }
    Ok(Route {
        kind: RouteKind::Topic,
        name,
        settings,
    })
}

/// `[JobA, JobB]`: at least one job type.
fn parse_job_types(input: ParseStream<'_>) -> Result<Vec<Type>> {
    let content;
    let brackets = bracketed!(content in input);
    let types: Vec<Type> = Punctuated::<Type, Token![,]>::parse_terminated(&content)?
        .into_iter()
        .collect();
    if types.is_empty() {
        return Err(Error::new(
            brackets.span.join(),
            "list at least one job type, e.g. `[SendEmail]`",
        ));
    }
    Ok(types)
}

/// A `defaults` block: topic settings, except the job types (those are a topic's own).
fn parse_defaults(input: ParseStream<'_>) -> Result<Settings> {
    let settings = parse_settings(input)?;
    if let Some(jobs) = settings
        .entries
        .iter()
        .find(|entry| is_jobs_key(&entry.key))
    {
        return Err(Error::new(
            jobs.key.span(),
            "`jobs` is not a default: list job types on their own topic, e.g. \
             `jobs \"default\" => [SendEmail]`",
        ));
    }
    Ok(settings)
}

fn parse_declaration(input: ParseStream<'_>) -> Result<Declaration> {
    let name = Name::parse_any(input)?;
    if name.literal().is_some_and(|name| name.is_empty()) {
        return Err(Error::new(name.span(), "a topic name must not be empty"));
    }
    let mut settings: Vec<(Ident, Expr)> = Vec::new();
    let mut config = None;
    if input.peek(Brace) {
        let content;
        braced!(content in input);
        while !content.is_empty() {
            let (key, text) = parse_key(&content, DECLARE_KEYS, "declaration")?;
            let set_before = settings.iter().any(|(known, _)| *known == key);
            if set_before || (text == "config" && config.is_some()) {
                return Err(Error::new(key.span(), format!("`{text}` is set twice")));
            }
            content.parse::<Token![:]>()?;
            if text == "config" {
                config = Some(parse_declared_config(&content, &key)?);
            } else {
                settings.push((key, content.parse()?));
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
    }
    Ok(Declaration {
        name,
        settings,
        config: config.unwrap_or_default(),
    })
}

/// A `recurring_tasks { ... }` block: settings and `task NAME { ... }` items, in any order.
fn parse_recurring_tasks(input: ParseStream<'_>) -> Result<RecurringTasks> {
    let content;
    braced!(content in input);
    let mut settings: Vec<(Ident, Expr)> = Vec::new();
    let mut tasks: Vec<RecurringTask> = Vec::new();
    while !content.is_empty() {
        if content.peek(Ident) && content.peek2(Token![:]) {
            parse_setting(
                &content,
                &mut settings,
                RECURRING_TASKS_KEYS,
                "recurring_tasks",
            )?;
        } else {
            let keyword: Ident = content.parse()?;
            if keyword != "task" {
                return Err(Error::new(
                    keyword.span(),
                    format!(
                        "unexpected `{keyword}`: expected `task \"name\" {{ ... }}` or one of: {}",
                        RECURRING_TASKS_KEYS.join(", ")
                    ),
                ));
            }
            tasks.push(parse_recurring_task(&content)?);
        }
        if !content.is_empty() && (content.peek(Token![,]) || content.peek(Token![;])) {
            let _: proc_macro2::TokenTree = content.parse()?;
        }
    }
    let names = tasks.iter().map(|task| &task.name);
    if let Some((name, literal)) = repeated(names) {
        return Err(Error::new(
            name.span(),
            format!("recurring task `{literal}` is declared twice"),
        ));
    }
    Ok(RecurringTasks { settings, tasks })
}

/// `task NAME { cron: ..., run: ... }`; `cron` is required.
fn parse_recurring_task(input: ParseStream<'_>) -> Result<RecurringTask> {
    let name = Name::parse_any(input)?;
    let content;
    braced!(content in input);
    let settings = parse_settings_list(&content, TASK_KEYS, "task")?;
    if !settings.iter().any(|(key, _)| key == "cron") {
        let described = name
            .literal()
            .map_or_else(|| "this task".to_owned(), |name| format!("task `{name}`"));
        return Err(Error::new(
            name.span(),
            format!("{described} has no schedule: add `cron: \"*/5 * * * *\"`"),
        ));
    }
    Ok(RecurringTask { name, settings })
}

fn parse_scheduled_messages(input: ParseStream<'_>) -> Result<ScheduledMessages> {
    let name = Name::parse_any(input)?;
    if name.literal().is_some_and(|name| name.is_empty()) {
        return Err(Error::new(name.span(), "a topic name must not be empty"));
    }
    let mut settings = Vec::new();
    if input.peek(Brace) {
        let content;
        braced!(content in input);
        settings = parse_settings_list(&content, SCHEDULED_MESSAGES_KEYS, "scheduled_messages")?;
    }
    Ok(ScheduledMessages { name, settings })
}

/// `key: value, ...` to the end of `content`, each key one of `keys` and given once.
fn parse_settings_list(
    content: ParseStream<'_>,
    keys: &[&str],
    what: &str,
) -> Result<Vec<(Ident, Expr)>> {
    let mut settings = Vec::new();
    while !content.is_empty() {
        parse_setting(content, &mut settings, keys, what)?;
        if !content.is_empty() {
            content.parse::<Token![,]>()?;
        }
    }
    Ok(settings)
}

/// One `key: value` (a key of `keys`) into `settings`, refusing a key given before.
fn parse_setting(
    content: ParseStream<'_>,
    settings: &mut Vec<(Ident, Expr)>,
    keys: &[&str],
    what: &str,
) -> Result<()> {
    let (key, text) = parse_key(content, keys, what)?;
    if settings.iter().any(|(known, _)| *known == key) {
        return Err(Error::new(key.span(), format!("`{text}` is set twice")));
    }
    content.parse::<Token![:]>()?;
    settings.push((key, content.parse()?));
    Ok(())
}

/// A declaration's `config` block: topic-level settings, each a quoted name.
fn parse_declared_config(input: ParseStream<'_>, key: &Ident) -> Result<Vec<(LitStr, Expr)>> {
    parse_block(input, key)?
        .into_iter()
        .map(|(key, value)| match key {
            BlockKey::Str(key) => Ok((key, value)),
            BlockKey::Ident(ident) => Err(Error::new(
                ident.span(),
                "a declaration's `config` holds topic-level settings in quotes, e.g. \
                 \"retention.ms\"; `partitions`, `replication_factor` and `active` are keys of \
                 the declaration itself",
            )),
        })
        .collect()
}

/// A key of a `kind` block (`topic`, `declaration`), one of `allowed`, with its text.
fn parse_key(input: ParseStream<'_>, allowed: &[&str], kind: &str) -> Result<(Ident, String)> {
    let key: Ident = input.parse()?;
    let text = key.to_string();
    if !allowed.contains(&text.as_str()) {
        return Err(Error::new(
            key.span(),
            format!(
                "unknown {kind} setting `{text}`; expected one of: {}",
                allowed.join(", ")
            ),
        ));
    }
    Ok((key, text))
}

fn parse_settings(input: ParseStream<'_>) -> Result<Settings> {
    let mut entries: Vec<Setting> = Vec::new();
    while !input.is_empty() {
        let (key, name) = parse_key(input, TOPIC_KEYS, "topic")?;
        if !REPEATABLE.contains(&name.as_str()) && entries.iter().any(|entry| entry.key == key) {
            return Err(Error::new(key.span(), format!("`{name}` is set twice")));
        }
        if let Some(other) = entries
            .iter()
            .find(|entry| is_consumer_key(&key) && is_consumer_key(&entry.key))
        {
            let message = if is_jobs_key(&key) || is_jobs_key(&other.key) {
                "a jobs topic's consumer is the built-in job consumer: set either `jobs` or a \
                 consumer"
            } else {
                "a topic has one consumer: set either `consumer` or `consumer_with`"
            };
            return Err(Error::new(key.span(), message));
        }
        input.parse::<Token![:]>()?;
        let value = match name.as_str() {
            "consumer" => Value::Type(Box::new(input.parse()?)),
            "jobs" => Value::Types(parse_job_types(input)?),
            "kafka" | "throttle" => Value::Block(parse_block(input, &key)?),
            // These also take the builder's own value, e.g. `VirtualPartitions::by_key()`.
            "config" | "dead_letter_queue" | "virtual_partitions" | "deserializers"
            | "periodic" | "pause"
                if input.peek(Brace) =>
            {
                Value::Block(parse_block(input, &key)?)
            }
            _ => Value::Expr(Box::new(input.parse()?)),
        };
        entries.push(Setting { key, value });
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    check_deserializers(&entries)?;
    Ok(Settings { entries })
}

/// A `deserializers` block names only the parts a message has, and a payload deserializer is
/// set once, by `deserializer` or by the block's `payload`.
fn check_deserializers(entries: &[Setting]) -> Result<()> {
    let position = |key: &str| entries.iter().position(|entry| entry.key == key);
    let Some(block) = position("deserializers") else {
        return Ok(());
    };
    let Value::Block(parts) = &entries[block].value else {
        return Ok(());
    };
    for (part, _) in parts {
        let (name, span) = match part {
            BlockKey::Ident(ident) => (ident.to_string(), ident.span()),
            BlockKey::Str(literal) => (literal.value(), literal.span()),
        };
        if matches!(part, BlockKey::Str(_)) || !DESERIALIZER_PARTS.contains(&name.as_str()) {
            return Err(Error::new(
                span,
                format!(
                    "unknown part `{name}` of `deserializers`; expected one of: {}",
                    DESERIALIZER_PARTS.join(", ")
                ),
            ));
        }
        if let (true, Some(single)) = (name == "payload", position("deserializer")) {
            // Reported at whichever of the two comes second.
            let span = if single > block {
                entries[single].key.span()
            } else {
                span
            };
            return Err(Error::new(
                span,
                "the payload deserializer is set twice: use either `deserializer` or \
                 `deserializers: { payload: ... }`",
            ));
        }
    }
    Ok(())
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
                Item::Defaults(_)
                | Item::ConsumerGroup { .. }
                | Item::Declare(_)
                | Item::ScheduledMessages(_)
                | Item::RecurringTasks(_) => Box::new(std::iter::empty()),
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
        if let Some((name, literal)) = repeated(routes_of(group).map(|route| &route.name)) {
            return Err(Error::new(
                name.span(),
                format!("topic `{literal}` is routed twice in this consumer group"),
            ));
        }
    }
    Ok(())
}

/// A literal topic name declared twice by `declare` items.
fn check_declared_once(items: &[Item]) -> Result<()> {
    let declared = items.iter().filter_map(|item| match item {
        Item::Declare(declaration) => Some(&declaration.name),
        _ => None,
    });
    match repeated(declared) {
        Some((name, literal)) => Err(Error::new(
            name.span(),
            format!("topic `{literal}` is declared twice"),
        )),
        None => Ok(()),
    }
}

/// The first literal name that an earlier one already gave, with its text. Names given as
/// expressions are only known when the app runs.
fn repeated<'a>(names: impl Iterator<Item = &'a Name>) -> Option<(&'a Name, String)> {
    let mut seen = HashSet::new();
    names
        .filter_map(|name| name.literal().map(|literal| (name, literal)))
        .find(|(_, literal)| !seen.insert(literal.clone()))
}

/// A route without a consumer that is surely active, where the `defaults` block (the last one:
/// each replaces the one before) gives no consumer either. Whether a topic whose `active` is an
/// expression needs a consumer is decided when the app is built.
fn check_consumers(items: &[Item], defaults: Option<&Settings>) -> Result<()> {
    let defaults = items
        .iter()
        .rev()
        .find_map(|item| match item {
            Item::Defaults(settings) => Some(settings),
            _ => None,
        })
        .or(defaults);
    let defaults_have_one = defaults.is_some_and(Settings::has_consumer);
    let active_by_default = defaults.and_then(Settings::surely_active);
    for route in routes_of(items) {
        let surely_active = route
            .settings
            .surely_active()
            .or(active_by_default)
            .unwrap_or(true);
        if surely_active && !defaults_have_one && !route.settings.has_consumer() {
            return Err(Error::new(
                route.name.span(),
                format!(
                    "{} has no consumer: add `consumer: MyConsumer` or `consumer_with: || ...`, \
                     or declare a topic nothing consumes with a `declare` item",
                    route.name.describe()
                ),
            ));
        }
    }
    for item in items {
        if let Item::ConsumerGroup { items, .. } = item {
            check_consumers(items, defaults)?;
        }
    }
    Ok(())
}

impl Settings {
    fn has_consumer(&self) -> bool {
        self.entries.iter().any(|entry| is_consumer_key(&entry.key))
    }

    /// `Some(true)` for `active: true`, `Some(false)` for `active` set to anything else (an
    /// expression may be `false`), `None` when `active` is not set.
    fn surely_active(&self) -> Option<bool> {
        self.entries
            .iter()
            .find(|entry| entry.key == "active")
            .map(|entry| {
                matches!(
                    &entry.value,
                    Value::Expr(expr) if matches!(
                        &**expr,
                        Expr::Lit(ExprLit { lit: Lit::Bool(flag), .. }) if flag.value
                    )
                )
            })
    }
}

/// A second `recurring_tasks` block: an app has one schedule.
fn check_recurring_tasks_once(items: &[Item]) -> Result<()> {
    let mut blocks = items.iter().filter_map(|item| match item {
        Item::RecurringTasks(block) => Some(block),
        _ => None,
    });
    match (blocks.next(), blocks.next()) {
        (Some(_), Some(second)) => Err(Error::new(
            second
                .tasks
                .first()
                .map_or_else(Span::call_site, |task| task.name.span()),
            "`recurring_tasks` is given twice: an app has one schedule; put every task in one block",
        )),
        _ => Ok(()),
    }
}
