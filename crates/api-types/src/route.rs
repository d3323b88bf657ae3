//! The route table's vocabulary: what the client and the stand-in engine need to know about an
//! operation besides its bodies.

/// The HTTP method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method's name as it goes on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Whether a call may be sent again after a failure that may have reached the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Retry {
    /// Sending it twice has the effect, and the answer, of sending it once: reads, extending a
    /// lock, undeploying, terminating.
    Idempotent,
    /// Sending it twice does something twice (starting an instance, triggering a message), or
    /// answers the second time with an error although the first took effect (finishing a task:
    /// 404 or 410). Only retried when the request provably never left.
    NotIdempotent,
    /// A long poll: never retried by the transport, the caller's loop owns that.
    Never,
}

/// The shape of a route's successful answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Success {
    /// `200` with a JSON body.
    Json,
    /// `200` with an empty body (the deployment routes): never parse it.
    Empty,
    /// `204` without a body.
    NoContent,
}

/// One operation of the engine's HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Route {
    /// The operation's name, snake_case (`start_process_instance`): the name of its tracing span.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path template, with `{name}` for each path parameter.
    pub path: &'static str,
    /// The names of the path parameters, in the order they stand in `path`.
    pub path_params: &'static [&'static str],
    /// Whether the transport may send it again.
    pub retry: Retry,
    /// What a successful answer looks like.
    pub success: Success,
    /// The name of the schema of a JSON answer, `None` for the other kinds.
    pub response_schema: Option<&'static str>,
    /// The name of the schema of the JSON request body, `None` for routes without one.
    pub request_schema: Option<&'static str>,
    /// Whether the engine moves a process instance on after answering the call: starting an
    /// instance, finishing a task of any kind, triggering a message or signal. The 8.0.0
    /// engine answers these before it has done the work, and continuations that overlap
    /// collide on its database; the transport paces these calls.
    pub moves_instance: bool,
}

impl Route {
    /// Describes a route. The generated table uses it; so can tests and users' own extensions
    /// of the API.
    pub const fn new(
        operation: &'static str,
        method: Method,
        path: &'static str,
        path_params: &'static [&'static str],
        retry: Retry,
        success: Success,
        response_schema: Option<&'static str>,
    ) -> Self {
        Route {
            operation,
            method,
            path,
            path_params,
            retry,
            success,
            response_schema,
            request_schema: None,
            moves_instance: false,
        }
    }

    /// The same route, marked as one after whose answer the engine moves an instance on (see
    /// [`moves_instance`](Self::moves_instance)).
    pub const fn moving_instances(mut self) -> Self {
        self.moves_instance = true;
        self
    }

    /// The same route, taking a JSON body of the schema `name`.
    pub const fn with_request_schema(mut self, name: &'static str) -> Self {
        self.request_schema = Some(name);
        self
    }

    /// Matches a concrete request path (no query) against this route's template and returns the
    /// raw (still percent-encoded) values of the path parameters in template order.
    ///
    /// Matching is by segment and case-sensitive for the literal parts; a trailing slash is
    /// tolerated, as the engine tolerates it.
    #[doc(hidden)] // Server-side matching: the stand-in engine's, not a client's concern.
    pub fn match_path<'p>(&self, method: Method, path: &'p str) -> Option<Vec<&'p str>> {
        self.match_literals(method, path, |template, actual| template == actual)
    }

    /// [`match_path`](Self::match_path), with the literal segments matching whatever their case,
    /// as the engine's router (Express) matches them. Parameter values are returned as sent.
    #[doc(hidden)] // Server-side matching: the stand-in engine's, not a client's concern.
    pub fn match_path_ignore_ascii_case<'p>(
        &self,
        method: Method,
        path: &'p str,
    ) -> Option<Vec<&'p str>> {
        self.match_literals(method, path, str::eq_ignore_ascii_case)
    }

    fn match_literals<'p>(
        &self,
        method: Method,
        path: &'p str,
        same: impl Fn(&str, &str) -> bool,
    ) -> Option<Vec<&'p str>> {
        if method != self.method {
            return None;
        }
        let path = path
            .strip_suffix('/')
            .filter(|p| !p.is_empty())
            .unwrap_or(path);
        let mut values = Vec::with_capacity(self.path_params.len());
        let mut template = self.path.split('/');
        let mut actual = path.split('/');
        loop {
            match (template.next(), actual.next()) {
                (None, None) => return Some(values),
                (Some(t), Some(a)) if t.starts_with('{') && t.ends_with('}') => {
                    if a.is_empty() {
                        return None;
                    }
                    values.push(a);
                }
                (Some(t), Some(a)) if same(t, a) => {}
                _ => return None,
            }
        }
    }

    /// Finds the route of `method` and `path` in `routes`, with its path parameter values.
    ///
    /// Where several templates match (`correlations/active` and `correlations/{correlation_id}`),
    /// the most specific wins: the one with a literal segment where the others have a parameter.
    #[doc(hidden)] // Server-side matching: the stand-in engine's, not a client's concern.
    pub fn find<'r, 'p>(
        routes: &'r [Route],
        method: Method,
        path: &'p str,
    ) -> Option<(&'r Route, Vec<&'p str>)> {
        Self::most_specific(
            routes
                .iter()
                .filter_map(|route| route.match_path(method, path).map(|values| (route, values))),
        )
    }

    /// [`find`](Self::find), with the literal segments matching whatever their case.
    #[doc(hidden)] // Server-side matching: the stand-in engine's, not a client's concern.
    pub fn find_ignore_ascii_case<'r, 'p>(
        routes: &'r [Route],
        method: Method,
        path: &'p str,
    ) -> Option<(&'r Route, Vec<&'p str>)> {
        Self::most_specific(routes.iter().filter_map(|route| {
            route
                .match_path_ignore_ascii_case(method, path)
                .map(|values| (route, values))
        }))
    }

    fn most_specific<'r, 'p>(
        matches: impl Iterator<Item = (&'r Route, Vec<&'p str>)>,
    ) -> Option<(&'r Route, Vec<&'p str>)> {
        matches.min_by(|(a, _), (b, _)| a.parameter_segments().cmp(b.parameter_segments()))
    }

    /// For each segment of the template, whether it is a parameter.
    fn parameter_segments(&self) -> impl Iterator<Item = bool> + '_ {
        self.path.split('/').map(|segment| segment.starts_with('{'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROUTE: Route = Route {
        operation: "finish",
        method: Method::Post,
        path: "/api/x/task/{id}/finish",
        path_params: &["id"],
        retry: Retry::Idempotent,
        success: Success::NoContent,
        response_schema: None,
        request_schema: None,
        moves_instance: true,
    };

    #[test]
    fn the_routes_that_move_instances_are_the_starts_finishes_and_triggers() {
        let moving: Vec<&str> = crate::routes::ALL
            .iter()
            .filter(|route| route.moves_instance)
            .map(|route| route.operation)
            .collect();
        assert_eq!(
            moving,
            [
                "start_process_instance",
                "trigger_message_event",
                "trigger_signal_event",
                "finish_user_task",
                "finish_manual_task",
                "finish_empty_activity",
                "finish_external_task",
                "handle_external_task_bpmn_error",
                "handle_external_task_service_error",
                "management_start_process_instance",
                "management_finish_user_task",
                "management_finish_manual_task",
                "management_finish_empty_activity",
                "management_trigger_message_event",
                "management_trigger_signal_event",
            ]
        );
    }

    #[test]
    fn matches_parameters_and_trailing_slash() {
        assert_eq!(
            ROUTE.match_path(Method::Post, "/api/x/task/42/finish"),
            Some(vec!["42"])
        );
        assert_eq!(
            ROUTE.match_path(Method::Post, "/api/x/task/42/finish/"),
            Some(vec!["42"])
        );
    }

    #[test]
    fn the_most_specific_template_wins() {
        const BY_ID: Route = Route::new(
            "by_id",
            Method::Get,
            "/c/{id}",
            &["id"],
            Retry::Idempotent,
            Success::Json,
            None,
        );
        const ACTIVE: Route = Route::new(
            "active",
            Method::Get,
            "/c/active",
            &[],
            Retry::Idempotent,
            Success::Json,
            None,
        );
        for table in [[BY_ID, ACTIVE], [ACTIVE, BY_ID]] {
            let (route, values) = Route::find(&table, Method::Get, "/c/active").unwrap();
            assert_eq!((route.operation, values.len()), ("active", 0));
            let (route, values) = Route::find(&table, Method::Get, "/c/42").unwrap();
            assert_eq!((route.operation, values), ("by_id", vec!["42"]));
        }
    }

    #[test]
    fn ignoring_case_matches_literals_only() {
        assert_eq!(
            ROUTE.match_path(Method::Post, "/API/x/TASK/Ab/finish"),
            None
        );
        assert_eq!(
            ROUTE.match_path_ignore_ascii_case(Method::Post, "/API/x/TASK/Ab/finish"),
            Some(vec!["Ab"])
        );
    }

    #[test]
    fn rejects_other_methods_shapes_and_empty_parameters() {
        assert_eq!(ROUTE.match_path(Method::Get, "/api/x/task/42/finish"), None);
        assert_eq!(ROUTE.match_path(Method::Post, "/api/x/task//finish"), None);
        assert_eq!(
            ROUTE.match_path(Method::Post, "/api/x/task/42/finish/more"),
            None
        );
        assert_eq!(ROUTE.match_path(Method::Post, "/api/x/task/42"), None);
    }
}
