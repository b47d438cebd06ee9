"""Which folders the MCP server may read and write: the roots the client declares, else the folders
named when it started (`migration-manager serve --allow PATH ...`, default its working directory).

A tool taking `root` gets the client's roots through the SDK's resolver injection: a hidden
`client_roots` parameter (not in the tool's input schema) filled by a `roots/list` request before
the tool body runs, whatever protocol revision the client speaks. The body runs in a worker
thread; the roots reach `check` through a context variable set around it. They are asked at
every call, not cached: a client may change them at any time (`roots/list_changed`), and one
request on an open pipe costs about a millisecond.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote, urlparse

from mcp.server.mcpserver import Context, ListRoots, Resolve
from mcp_types import ListRootsResult

from .errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

_allowed: tuple[Path, ...] | None = None
_client_roots: ContextVar[tuple[Path, ...] | None] = ContextVar("client_roots", default=None)


def allow(folders: Iterable[str | Path]) -> tuple[Path, ...]:
    """Set the folders the server may use when the client declares no roots; each must exist."""
    global _allowed
    resolved: list[Path] = []
    for folder in folders:
        path = Path(folder).expanduser()
        if not path.is_dir():
            raise InputError(f"--allow {str(folder)!r} is not an existing directory: name a folder that exists")
        resolved.append(path.resolve())
    if not resolved:
        raise InputError("--allow needs at least one folder")
    _allowed = tuple(resolved)
    return _allowed


def allowed() -> tuple[Path, ...]:
    """The server's own folders: those of --allow, else the working directory."""
    return _allowed if _allowed is not None else (Path.cwd().resolve(),)


def file_roots(result: ListRootsResult | None) -> tuple[Path, ...] | None:
    """The client's file:// roots as resolved folders; None when it declares none."""
    if result is None:
        return None
    paths = []
    for root in result.roots:
        uri = urlparse(str(root.uri))
        if uri.scheme == "file" and uri.netloc in ("", "localhost"):
            paths.append(Path(unquote(uri.path)).resolve())
    return tuple(paths) or None


def check(base: Path) -> None:
    """Refuse a resolved repository root that lies outside every folder the server may use."""
    declared = _client_roots.get()
    folders = declared if declared is not None else allowed()
    if any(base.is_relative_to(folder) for folder in folders):
        return
    listed = ", ".join(str(f) for f in folders)
    if declared is not None:
        raise InputError(
            f"root {str(base)!r} is outside the client's roots ({listed}): give a root inside one of them, or add "
            "the folder to the client's roots (open it as a workspace folder or root in the client)"
        )
    raise InputError(
        f"root {str(base)!r} is outside the folders this server may use ({listed}): give a root inside one of them, "
        f"or start the server with `migration-manager serve --allow {base}` (several folders may follow --allow), or "
        "use a client that declares its roots"
    )


async def ask_client_roots(ctx: Context, root: str | None) -> ListRoots | None:
    """Resolver: ask for the client's roots when a root was given and the client has the capability."""
    capabilities = ctx.client_capabilities
    if root is None or capabilities is None or capabilities.roots is None:
        return None
    return ListRoots()


ClientRoots = Annotated[ListRootsResult | None, Resolve(ask_client_roots)]


def with_client_roots(fn: F) -> F:
    """`fn` with the hidden `client_roots` parameter, when it takes a `root`; else `fn` itself."""
    signature = inspect.signature(fn, eval_str=True)  # the SDK reads __signature__ as it stands
    if "root" not in signature.parameters:
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, client_roots: ListRootsResult | None = None, **kwargs: Any) -> Any:
        token = _client_roots.set(file_roots(client_roots))
        try:
            return fn(*args, **kwargs)
        finally:
            _client_roots.reset(token)

    hidden = inspect.Parameter("client_roots", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ClientRoots)
    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), hidden])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {**typing.get_type_hints(fn, include_extras=True), "client_roots": ClientRoots}
    return typing.cast(F, wrapper)
