"""The HTTP errors a framework's router raises itself for a request no route takes (404 for its
path, 405 for its method), told by their raise site: no frame of the app raised them, so they are
not the app's errors, as Flask and Django send nothing for theirs, and scanners' requests would use
up an action's snapshots and rate. The same status raised by the app (`raise NotFound()`, an
`abort(404)`, which raises from the framework's `abort`) is the app's error and is reported."""
from __future__ import annotations

# The raise sites: (function, file), the innermost frame of the error's traceback.
ROUTER_MISSES = (
    ('_handle', '/aiohttp/web_urldispatcher.py'),  # `SystemRoute`, the route of aiohttp's miss
    ('prepare', '/tornado/web.py'),  # `ErrorHandler`, Tornado's handler for a path no route matches
    ('_unimplemented_method', '/tornado/web.py'),  # a method the handler class does not define
    ('_get', '/sanic/router.py'),
    ('not_found', '/starlette/routing.py'),
    ('handle', '/starlette/routing.py'),  # `Route.handle`'s 405
    # Litestar's route trie: no node for the path (or a path parameter of the wrong type), none
    # for the method.
    ('traverse_route_map', '/litestar/_asgi/routing_trie/traversal.py'),
    ('parse_path_to_route', '/litestar/_asgi/routing_trie/traversal.py'),
    ('parse_node_handlers', '/litestar/_asgi/routing_trie/traversal.py'),
    # werkzeug's `MapAdapter.match`, Quart's router (Quart raises its miss again from
    # `raise_routing_exception`, which leaves this frame the innermost); `abort()` raises from
    # werkzeug's `Aborter.__call__`, and is the app's.
    ('match', '/werkzeug/routing/map.py'),
    # Falcon's responders for a path no resource takes and a method the resource has no responder
    # for, WSGI and ASGI.
    ('path_not_found', '/falcon/responders.py'),
    ('path_not_found_async', '/falcon/responders.py'),
    ('method_not_allowed', '/falcon/responders.py'),
    ('method_not_allowed_responder_async', '/falcon/responders.py'),
    ('match', '/bottle.py'),  # `Router.match`'s 404 and 405; `abort()` raises from `abort`, the app's
    # Pyramid: `Router.handle_request` found no view for the path; a view's predicate (its
    # `request_method`…) refused the request (`PredicateMismatch`, a 404), for a view or a `MultiView`.
    ('handle_request', '/pyramid/router.py'),
    ('predicate_wrapper', '/pyramid/config/views.py'),
    ('match', '/pyramid/config/views.py'),
    ('__call__', '/pyramid/config/views.py'),
)


def router_miss(error: BaseException) -> bool:
    """Whether a router raised `error` itself for a request no route takes (`ROUTER_MISSES`)."""
    tb = error.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return any(code.co_name == name and code.co_filename.replace('\\', '/').endswith(file) for name, file in ROUTER_MISSES)
