//! Expansion of the DSL into plain calls of `karafka::routing`'s builder API. Values are spanned at
//! their tokens, so a value of the wrong type, or a consumer type that does not implement
//! `Consumer`, is reported by the compiler at that token.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Error, Expr, ExprLit, Lit, Result};

use crate::ast::{
    BlockKey, Declaration, Item, Multiplexing, Name, RecurringTasks, Route, RouteKind, Routes,
    ScheduledMessages, Setting, Settings, Value,
};

pub(crate) fn routes(routes: &Routes) -> Result<TokenStream> {
    let calls = routes
        .items
        .iter()
        .map(|item| {
            Ok(match item {
                Item::Defaults(settings) => {
                    let settings = settings_calls(settings)?;
                    quote! { .defaults(|topic| topic #settings) }
                }
                Item::Route(route) => {
                    let route = route_expr(route)?;
                    quote! { .topic(#route) }
                }
                Item::Declare(declaration) => declare_call(declaration),
                Item::ScheduledMessages(scheduled) => scheduled_messages_call(scheduled),
                Item::RecurringTasks(block) => recurring_tasks_call(block),
                Item::SubscriptionGroup {
                    name,
                    multiplexing,
                    routes,
                } => {
                    let group = subscription_group(name, multiplexing.as_ref(), routes)?;
                    quote! { .subscription_group(#group) }
                }
                Item::ConsumerGroup { name, items } => {
                    let members = items
                        .iter()
                        .map(|item| match item {
                            Item::Route(route) => route_expr(route).map(|route| quote! { .topic(#route) }),
                            Item::SubscriptionGroup { name, multiplexing, routes } => {
                                subscription_group(name, multiplexing.as_ref(), routes)
                                    .map(|group| quote! { .subscription_group(#group) })
                            }
                            Item::Defaults(_)
                            | Item::ConsumerGroup { .. }
                            | Item::Declare(_)
                            | Item::ScheduledMessages(_)
                            | Item::RecurringTasks(_) => Ok(TokenStream::new()),
                        })
                        .collect::<Result<TokenStream>>()?;
                    quote! { .consumer_group(::karafka::routing::ConsumerGroup::new(#name) #members) }
                }
            })
        })
        .collect::<Result<TokenStream>>()?;
    Ok(quote! { ::karafka::routing::Routes::new() #calls })
}

/// `declare NAME { key: value, config: { "k": v } }` as
/// `.declare(NAME, TopicConfig::new().key(value).setting("k", v))`.
fn declare_call(declaration: &Declaration) -> TokenStream {
    let name = &declaration.name;
    let methods = declaration
        .settings
        .iter()
        .map(|(key, value)| quote_spanned! {value.span()=> .#key(#value) });
    let settings = declaration
        .config
        .iter()
        .map(|(key, value)| quote_spanned! {value.span()=> .setting(#key, #value) });
    quote! { .declare(#name, ::karafka::routing::TopicConfig::new() #(#methods)* #(#settings)*) }
}

/// `scheduled_messages NAME { group_id: g, interval: 250 }` as
/// `recurring_tasks { interval: 1000, task "a" { cron: "...", run: ... } }` as
/// `.recurring_tasks(RecurringTasks::new().interval(..).task(Task::new("a").cron(..).run(..)))`;
/// an integer `interval` is milliseconds.
fn recurring_tasks_call(block: &RecurringTasks) -> TokenStream {
    let settings = block.settings.iter().map(|(key, value)| {
        let value = if key == "interval" {
            millis(value)
        } else {
            quote! { #value }
        };
        quote_spanned! {key.span()=> .#key(#value) }
    });
    let tasks = block.tasks.iter().map(|task| {
        let name = &task.name;
        let methods = task
            .settings
            .iter()
            .map(|(key, value)| quote_spanned! {value.span()=> .#key(#value) });
        quote! { .task(::karafka::recurring_tasks::Task::new(#name) #(#methods)*) }
    });
    quote! {
        .recurring_tasks(::karafka::recurring_tasks::RecurringTasks::new() #(#settings)* #(#tasks)*)
    }
}

/// `.scheduled_messages(ScheduledMessages::new(NAME).group_id(g).interval(250 ms))`.
fn scheduled_messages_call(scheduled: &ScheduledMessages) -> TokenStream {
    let name = &scheduled.name;
    let methods = scheduled.settings.iter().map(|(key, value)| {
        let value = if key == "interval" {
            millis(value)
        } else {
            quote! { #value }
        };
        quote_spanned! {value.span()=> .#key(#value) }
    });
    quote! {
        .scheduled_messages(::karafka::routing::ScheduledMessages::new(#name) #(#methods)*)
    }
}

/// `SubscriptionGroup::new(NAME).multiplexing(...).topic(...)...`; the connections' count is
/// spanned at its token, so a value of the wrong type is reported there.
fn subscription_group(
    name: &Name,
    multiplexing: Option<&Multiplexing>,
    routes: &[Route],
) -> Result<TokenStream> {
    let multiplexing = multiplexing.map(|multiplexing| match multiplexing {
        Multiplexing::Connections(count) => quote_spanned! {count.span()=>
            .multiplexing(::karafka::routing::Multiplexing::new().connections(#count))
        },
        Multiplexing::Expr(expr) => quote_spanned! {expr.span()=> .multiplexing(#expr) },
    });
    let topics = routes
        .iter()
        .map(|route| route_expr(route).map(|route| quote! { .topic(#route) }))
        .collect::<Result<TokenStream>>()?;
    Ok(quote! { ::karafka::routing::SubscriptionGroup::new(#name) #multiplexing #topics })
}

fn route_expr(route: &Route) -> Result<TokenStream> {
    let name = &route.name;
    let settings = settings_calls(&route.settings)?;
    Ok(match route.kind {
        RouteKind::Topic => quote! { ::karafka::routing::Topic::new(#name) #settings },
        RouteKind::Pattern => quote! { ::karafka::routing::Topic::pattern(#name) #settings },
    })
}

fn settings_calls(settings: &Settings) -> Result<TokenStream> {
    settings.entries.iter().map(setting_call).collect()
}

fn setting_call(setting: &Setting) -> Result<TokenStream> {
    let key = &setting.key;
    let name = key.to_string();
    Ok(match (name.as_str(), &setting.value) {
        ("consumer", Value::Type(ty)) => quote_spanned! {ty.span()=> .consumer::<#ty>() },
        ("jobs", Value::Types(types)) => job_calls(types),
        ("max_wait_time" | "expire_in" | "delay_by", Value::Expr(expr)) => {
            let duration = millis(expr);
            quote_spanned! {expr.span()=> .#key(#duration) }
        }
        ("throttle", Value::Block(entries)) => {
            let (limit, rest) = required(entries, "limit", key)?;
            let interval = match rest.as_slice() {
                [(BlockKey::Ident(name), interval)] if name == "interval" => millis(interval),
                _ => {
                    return Err(Error::new(
                        key.span(),
                        "`throttle` takes `limit` and `interval` (milliseconds)",
                    ))
                }
            };
            quote! { .throttle(#limit, #interval) }
        }
        ("periodic", Value::Expr(expr))
            if matches!(
                **expr,
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(_),
                    ..
                })
            ) =>
        {
            match &**expr {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(flag),
                    ..
                }) if flag.value => {
                    quote_spanned! {flag.span()=> .periodic(::karafka::routing::Periodic::new()) }
                }
                // `periodic: false` leaves ticks off.
                _ => TokenStream::new(),
            }
        }
        ("periodic", Value::Block(entries)) => {
            let calls = entries
                .iter()
                .map(|(key, value)| match key {
                    BlockKey::Ident(name) if name == "interval" => {
                        let interval = millis(value);
                        Ok(quote_spanned! {name.span()=> .interval(#interval) })
                    }
                    BlockKey::Ident(name) if name == "during_pause" || name == "during_retry" => {
                        Ok(quote_spanned! {name.span()=> .#name(#value) })
                    }
                    _ => Err(Error::new(
                        key_span(key),
                        "`periodic` takes `interval` (milliseconds), `during_pause` and `during_retry`",
                    )),
                })
                .collect::<Result<TokenStream>>()?;
            quote! { .periodic(::karafka::routing::Periodic::new() #calls) }
        }
        ("pause", Value::Block(entries)) => {
            let calls = entries
                .iter()
                .map(|(key, value)| match key {
                    BlockKey::Ident(name) if name == "timeout" || name == "max_timeout" => {
                        let duration = millis(value);
                        Ok(quote_spanned! {name.span()=> .#name(#duration) })
                    }
                    BlockKey::Ident(name) if name == "with_exponential_backoff" => {
                        Ok(quote_spanned! {name.span()=> .#name(#value) })
                    }
                    _ => Err(Error::new(
                        key_span(key),
                        "`pause` takes `timeout`, `max_timeout` (milliseconds) and `with_exponential_backoff`",
                    )),
                })
                .collect::<Result<TokenStream>>()?;
            quote! { .pause(::karafka::routing::Pausing::new() #calls) }
        }
        ("critical_errors", Value::Expr(expr)) => {
            match &**expr {
                Expr::Array(types) => types
                    .elems
                    .iter()
                    .map(|ty| quote_spanned! {ty.span()=> .critical_error::<#ty>() })
                    .collect(),
                _ => return Err(Error::new(
                    expr.span(),
                    "`critical_errors` takes a list of error types, e.g. `[MyError, OtherError]`",
                )),
            }
        }
        ("initial_offset", Value::Expr(expr)) => {
            let offset = initial_offset(expr)?;
            quote_spanned! {expr.span()=> .initial_offset(::karafka::config::InitialOffset::#offset) }
        }
        ("kafka", Value::Block(entries)) => entries
            .iter()
            .map(|(key, value)| match key {
                BlockKey::Str(key) => quote_spanned! {value.span()=> .kafka(#key, #value) },
                BlockKey::Ident(_) => TokenStream::new(),
            })
            .collect(),
        ("config", Value::Block(entries)) => {
            let calls: TokenStream = entries
                .iter()
                .map(|(key, value)| match key {
                    BlockKey::Ident(method) => quote_spanned! {method.span()=> .#method(#value) },
                    BlockKey::Str(key) => quote_spanned! {value.span()=> .setting(#key, #value) },
                })
                .collect();
            quote! { .config(::karafka::routing::TopicConfig::new() #calls) }
        }
        ("dead_letter_queue", Value::Block(entries)) => {
            let (topic, rest) = required(entries, "topic", key)?;
            let start = match topic {
                Expr::Lit(ExprLit {
                    lit: Lit::Bool(flag),
                    ..
                }) if !flag.value => {
                    quote_spanned! {flag.span()=> ::karafka::middleware::DeadLetterQueue::skip() }
                }
                topic => {
                    quote_spanned! {topic.span()=> ::karafka::middleware::DeadLetterQueue::new(#topic) }
                }
            };
            let calls = method_calls(&rest)?;
            quote! { .dead_letter_queue(#start #calls) }
        }
        ("deserializers", Value::Block(entries)) => {
            let calls = method_calls(&entries.iter().collect::<Vec<_>>())?;
            quote! { .deserializers(::karafka::messages::Deserializers::new() #calls) }
        }
        ("virtual_partitions", Value::Block(entries)) => {
            let (partitioner, rest) = required(entries, "partitioner", key)?;
            let calls = method_calls(&rest)?;
            quote! { .virtual_partitions(::karafka::middleware::VirtualPartitions::new(#partitioner) #calls) }
        }
        (_, Value::Expr(expr)) => quote_spanned! {expr.span()=> .#key(#expr) },
        (_, _) => {
            return Err(Error::new(
                key.span(),
                format!("unexpected value for `{name}`"),
            ))
        }
    })
}

/// `jobs: [JobA, JobB]` as `.job::<JobA>().job::<JobB>()`, each spanned at its type, so a type
/// that is not a `Job` is reported there.
fn job_calls(types: &[syn::Type]) -> TokenStream {
    types
        .iter()
        .map(|ty| quote_spanned! {ty.span()=> .job::<#ty>() })
        .collect()
}

/// Splits out the block's `name` entry, which the feature's constructor takes.
fn required<'a>(
    entries: &'a [(BlockKey, Expr)],
    name: &str,
    owner: &syn::Ident,
) -> Result<(&'a Expr, Vec<&'a (BlockKey, Expr)>)> {
    let is_required = |key: &BlockKey| matches!(key, BlockKey::Ident(ident) if ident == name);
    let value = entries
        .iter()
        .find(|(key, _)| is_required(key))
        .map(|(_, value)| value)
        .ok_or_else(|| Error::new(owner.span(), format!("`{owner}` needs `{name}`")))?;
    let rest = entries
        .iter()
        .filter(|(key, _)| !is_required(key))
        .collect();
    Ok((value, rest))
}

/// `key: value` entries of a feature block, as builder method calls.
fn method_calls(entries: &[&(BlockKey, Expr)]) -> Result<TokenStream> {
    entries
        .iter()
        .map(|(key, value)| match key {
            BlockKey::Ident(method) => Ok(quote_spanned! {method.span()=> .#method(#value) }),
            BlockKey::Str(key) => Err(Error::new(
                key.span(),
                "feature settings are names, not strings",
            )),
        })
        .collect()
}

/// Where a block's key is written, for errors about it.
fn key_span(key: &BlockKey) -> proc_macro2::Span {
    match key {
        BlockKey::Ident(ident) => ident.span(),
        BlockKey::Str(text) => text.span(),
    }
}

/// An integer literal as milliseconds (Karafka's unit); any other expression as a `Duration`.
fn millis(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => quote_spanned! {int.span()=> ::std::time::Duration::from_millis(#int) },
        expr => quote! { #expr },
    }
}

fn initial_offset(expr: &Expr) -> Result<TokenStream> {
    let word = match expr {
        Expr::Path(path) => path.path.get_ident().map(ToString::to_string),
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Some(text.value()),
        _ => None,
    };
    match word.as_deref() {
        Some("earliest") => Ok(quote! { Earliest }),
        Some("latest") => Ok(quote! { Latest }),
        _ => Err(Error::new(
            expr.span(),
            "`initial_offset` is `earliest` or `latest`",
        )),
    }
}
