//! Every vLLM route the mock serves, listed once. The router is built from this table, the
//! fuzzer picks its routes from it, and the answers Starlette gives a request no route takes
//! (`routes/misses.rs`: 404, 405 with `Allow`, 307 to the other trailing slash) look paths up
//! in it, so a route added here is served, fuzzed and refused the way vLLM refuses it.
//!
//! A handler goes in only if it answers with [`Served`] (or an [`ApiError`], which carries its
//! own outcome): the recorder journals what the handler said it did, and a handler that says
//! nothing does not compile here.

use std::sync::Arc;

use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};
use http::HeaderValue;
use http::header::ALLOW;

use super::extract::{JsonHandler, json_route};
use super::{
    anthropic, chat, chat_batch, cohere, completions, decisions, docs, elastic_ep, embeddings, generative_scoring,
    invocations, models, ops, pooling, responses, score, tokenize,
};
use crate::config::Runner;
use crate::openai::ApiError;
use crate::outcome::Served;
use crate::record::{Direct, DirectRoute};
use crate::state::AppState;

/// What a routed handler may answer: a response and its outcome, which come apart without a
/// trip through the response's extensions where the recorder runs the handler itself
/// ([`Direct`]).
pub(crate) trait Answer {
    fn into_served(self) -> Served<Response>;
}

impl<T: IntoResponse> Answer for Served<T> {
    fn into_served(self) -> Served<Response> {
        self.map(IntoResponse::into_response)
    }
}

impl<T: IntoResponse> Answer for Result<Served<T>, ApiError> {
    fn into_served(self) -> Served<Response> {
        match self {
            Ok(served) => served.into_served(),
            Err(refused) => refused.served(),
        }
    }
}

/// A handler whose answer is an [`Answer`], for the arities the routes use: axum's `Handler`
/// takes any `IntoResponse`, and says nothing of which.
#[diagnostic::on_unimplemented(
    message = "a routed handler answers with `Served<_>` or `Result<Served<_>, ApiError>`, so its outcome is journaled"
)]
pub(crate) trait Answers<Args> {}

macro_rules! answers {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Answers<($($arg,)*)> for F
        where
            F: FnOnce($($arg),*) -> Fut,
            Fut: Future,
            Fut::Output: Answer,
        {
        }
    };
}

answers!();
answers!(A1);
answers!(A1, A2);
answers!(A1, A2, A3);

/// `handler`, once checked to answer with an outcome: for the router's fallbacks, which are
/// not in the table.
pub(crate) fn answering<H: Answers<A>, A>(handler: H) -> H {
    handler
}

/// The method a route answers. FastAPI's routes answer exactly theirs (a `GET` route refuses
/// `HEAD`); a plain Starlette route that takes `GET` takes `HEAD` too (FastAPI's own pages,
/// `/docs`); a Starlette `Mount` answers every method and every path below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verb {
    Get,
    Post,
    Page,
    Mount,
}

impl Verb {
    fn route<H, T, A>(self, handler: H) -> MethodRouter<Arc<AppState>>
    where
        H: Handler<T, Arc<AppState>> + Answers<A>,
        T: 'static,
    {
        match self {
            // axum would answer HEAD with the GET handler; FastAPI refuses it.
            Verb::Get => get(handler).head(refuse_head),
            Verb::Post => post(handler),
            // axum answers `HEAD` with the `GET` handler, without its body, as Starlette does.
            Verb::Page => get(handler),
            Verb::Mount => any(handler),
        }
    }

    /// What `Allow` says when another method comes.
    pub(crate) fn allow(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Page => "HEAD, GET",
            Verb::Mount => "",
        }
    }

    /// FastAPI's 405 to another method, with `Allow`.
    pub(crate) fn refusal(self) -> Served<impl IntoResponse> {
        let allow = [(ALLOW, HeaderValue::from_static(self.allow()))];
        ApiError::Routing(http::StatusCode::METHOD_NOT_ALLOWED)
            .served()
            .map(|body| (allow, body))
    }

    pub(crate) fn as_method(self) -> http::Method {
        match self {
            Verb::Get | Verb::Page | Verb::Mount => http::Method::GET,
            Verb::Post => http::Method::POST,
        }
    }
}

/// `HEAD` on a `GET` route: FastAPI's 405, where axum would run the `GET` handler and list
/// `HEAD` beside `GET`.
async fn refuse_head() -> Served<impl IntoResponse> {
    Verb::Get.refusal()
}

/// Which models vLLM serves a route for (`--runner`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Serves {
    Every,
    Generative,
    Pooling,
}

impl Serves {
    fn by(self, runner: Runner) -> bool {
        match self {
            Serves::Every => true,
            Serves::Generative => runner.generates(),
            Serves::Pooling => runner.pools(),
        }
    }
}

pub(crate) struct Endpoint {
    pub verb: Verb,
    pub paths: &'static [&'static str],
    pub serves: Serves,
    handler: Handling,
}

/// How a route's handler is run.
enum Handling {
    /// By axum's router, routed for the endpoint's verb.
    Routed(fn(Verb) -> MethodRouter<Arc<AppState>>),
    /// A route of a whole JSON body ([`json_route`]): by the recorder itself for the verb's
    /// method, by the router for any other.
    Json(fn() -> Arc<dyn Direct>),
}

impl Endpoint {
    const fn new(
        verb: Verb,
        paths: &'static [&'static str],
        serves: Serves,
        route: fn(Verb) -> MethodRouter<Arc<AppState>>,
    ) -> Self {
        Endpoint {
            verb,
            paths,
            serves,
            handler: Handling::Routed(route),
        }
    }

    const fn json(verb: Verb, paths: &'static [&'static str], serves: Serves, route: fn() -> Arc<dyn Direct>) -> Self {
        Endpoint {
            verb,
            paths,
            serves,
            handler: Handling::Json(route),
        }
    }

    /// The route as the router serves it, and the handler the recorder runs itself, where it
    /// runs one (with its method).
    pub(crate) fn routes(&self) -> (MethodRouter<Arc<AppState>>, Option<DirectRoute>) {
        match self.handler {
            Handling::Routed(route) => (route(self.verb), None),
            Handling::Json(route) => {
                let handler = route();
                let routed = self.verb.route(JsonHandler(handler.clone()));
                let method = self.verb.as_method();
                (routed, Some(DirectRoute { method, handler }))
            }
        }
    }

    /// A path this route takes: its first, a `{name}` segment filled in.
    pub(crate) fn example_path(&self) -> String {
        self.paths[0]
            .split('/')
            .map(|segment| if segment.starts_with('{') { "x" } else { segment })
            .collect::<Vec<_>>()
            .join("/")
    }

    fn takes(&self, path: &str) -> bool {
        self.paths.iter().any(|own| match self.verb {
            Verb::Mount => path.strip_prefix(own).is_some(),
            Verb::Get | Verb::Post | Verb::Page => matches_pattern(own, path),
        })
    }
}

/// Whether `path` is one `pattern` takes: its segments equal, a `{name}` segment standing for
/// any one non-empty segment (Starlette's `{name}` path parameter).
fn matches_pattern(pattern: &str, path: &str) -> bool {
    if !pattern.contains('{') {
        return pattern == path;
    }
    let (mut own, mut theirs) = (pattern.split('/'), path.split('/'));
    loop {
        match (own.next(), theirs.next()) {
            (None, None) => return true,
            (Some(o), Some(t)) if o.starts_with('{') && !t.is_empty() => {}
            (Some(o), Some(t)) if o == t => {}
            _ => return false,
        }
    }
}

use Serves::{Every, Generative, Pooling};
use Verb::{Get, Mount, Page, Post};

/// vLLM's routes, in the order vLLM 0.33.0 registers them where a path has two (`/ping`: its
/// `GET` first, so `Allow` says `GET`).
pub(crate) const ENDPOINTS: &[Endpoint] = &[
    Endpoint::json(Post, &["/v1/embeddings"], Pooling, || json_route(embeddings::serve)),
    Endpoint::json(Post, &["/v2/embed"], Pooling, || json_route(cohere::embed)),
    Endpoint::json(Post, &["/v1/chat/completions"], Generative, || json_route(chat::serve)),
    Endpoint::json(Post, &["/v1/chat/completions/batch"], Generative, || {
        json_route(chat_batch::create)
    }),
    Endpoint::json(Post, &["/v1/completions"], Generative, || {
        json_route(completions::serve)
    }),
    Endpoint::json(Post, &["/v1/messages"], Generative, || json_route(anthropic::create)),
    Endpoint::json(Post, &["/v1/messages/count_tokens"], Generative, || {
        json_route(anthropic::count_tokens)
    }),
    Endpoint::json(Post, &["/v1/responses"], Generative, || json_route(responses::create)),
    Endpoint::new(Get, &["/v1/responses/{response_id}"], Generative, |v| {
        v.route(responses::retrieve)
    }),
    Endpoint::new(Post, &["/v1/responses/{response_id}/cancel"], Generative, |v| {
        v.route(responses::cancel)
    }),
    Endpoint::new(Get, &["/v1/models"], Every, |v| v.route(models::list)),
    Endpoint::json(Post, &["/v1/systemone"], Every, || json_route(decisions::structured)),
    Endpoint::json(Post, &["/v1/decisions"], Every, || json_route(decisions::decisions)),
    Endpoint::json(Post, &["/tokenize"], Every, || json_route(tokenize::tokenize)),
    Endpoint::json(Post, &["/detokenize"], Every, || json_route(tokenize::detokenize)),
    Endpoint::json(Post, &["/pooling"], Pooling, || json_route(pooling::serve)),
    Endpoint::json(Post, &["/score", "/v1/score"], Pooling, || {
        json_route(score::serve_score)
    }),
    Endpoint::json(Post, &["/rerank", "/v1/rerank", "/v2/rerank"], Pooling, || {
        json_route(score::serve_rerank)
    }),
    Endpoint::new(Post, &["/invocations"], Every, |v| v.route(invocations::invoke)),
    Endpoint::new(Get, &["/health"], Every, |v| v.route(ops::health)),
    Endpoint::new(Get, &["/ping"], Every, |v| v.route(ops::health)),
    Endpoint::new(Post, &["/ping"], Every, |v| v.route(ops::health)),
    Endpoint::new(Get, &["/load"], Every, |v| v.route(ops::load)),
    Endpoint::new(Get, &["/version"], Every, |v| v.route(ops::version)),
    Endpoint::new(Get, &["/kv_event_sources"], Every, |v| v.route(ops::kv_event_sources)),
    Endpoint::json(Post, &["/generative_scoring"], Generative, || {
        json_route(generative_scoring::create)
    }),
    Endpoint::new(Post, &["/scale_elastic_ep"], Generative, |v| v.route(elastic_ep::scale)),
    Endpoint::new(Post, &["/is_scaling_elastic_ep"], Generative, |v| {
        v.route(elastic_ep::status)
    }),
    // FastAPI's own schema and pages, which vLLM leaves on.
    Endpoint::new(Page, &["/openapi.json"], Every, |v| v.route(docs::openapi)),
    Endpoint::new(Page, &["/docs"], Every, |v| v.route(docs::swagger_ui)),
    Endpoint::new(Page, &["/docs/oauth2-redirect"], Every, |v| {
        v.route(docs::oauth2_redirect)
    }),
    Endpoint::new(Page, &["/redoc"], Every, |v| v.route(docs::redoc)),
    // prometheus_client's ASGI app, mounted: any method, any path below.
    Endpoint::new(Mount, &["/metrics"], Every, |v| v.route(ops::metrics)),
];

/// The routes a model run as `runner` is served.
pub(crate) fn served(runner: Runner) -> impl Iterator<Item = &'static Endpoint> {
    ENDPOINTS.iter().filter(move |endpoint| endpoint.serves.by(runner))
}

/// The first served route that takes `path`, whatever the method: Starlette's partial match.
pub(crate) fn taking(path: &str, runner: Runner) -> Option<&'static Endpoint> {
    served(runner).find(|endpoint| endpoint.takes(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_taken_by_its_first_route_and_a_mount_by_its_prefix() {
        assert_eq!(taking("/ping", Runner::Auto).map(|e| e.verb), Some(Get));
        assert_eq!(taking("/metrics/x", Runner::Auto).map(|e| e.verb), Some(Mount));
        assert!(taking("/v1/embeddings/", Runner::Auto).is_none());
        assert!(taking("/v1/embeddings", Runner::Generate).is_none());
        assert!(taking("/v1/chat/completions", Runner::Generate).is_some());
        assert!(taking("/v1/responses/resp_1/cancel", Runner::Generate).is_some());
        assert!(taking("/v1/responses/resp_1/", Runner::Generate).is_none());
        assert!(taking("/v1/responses//cancel", Runner::Generate).is_none());
        let cancel = ENDPOINTS.iter().find(|e| e.paths[0].ends_with("/cancel")).unwrap();
        assert_eq!(cancel.example_path(), "/v1/responses/x/cancel");
    }
}
