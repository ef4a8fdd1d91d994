"""Live cluster state from the Kubernetes API: list, then watch, Namespaces, Pods and NetworkPolicies.

The official `kubernetes` client does the talking (kubeconfig resolution, TLS, auth plugins); objects are read as
JSON bytes (`_preload_content=False`) and handed as plain dicts to the core's one parser, one object at a time, so
a change re-parses only the object that changed. Every change produces a new immutable `ClusterSnapshot`;
rebuilds are coalesced (at most one every `rebuild_interval` seconds while events keep coming).

- `list_snapshot(kubeconfig=, context=, namespace=)`: one full list, for `trace`, `explain` and `snapshot`.
- `KubeSource(...).run(on_snapshot, on_status)` (blocking, for a thread worker) or `.events()` (an iterator of
  `ClusterSnapshot` and `KubeStatus`); `.stop()` from any thread returns promptly.

Per resource: paginated list (`limit`/`continue`) → watch from the list's `resourceVersion` (bookmarks on) →
on `410 Gone` relist → on a dropped watch reconnect with exponential backoff and jitter. A `403` on a resource is
reported once as one line (`KubeStatus("forbidden")`) and the source goes on with what it can see; the snapshot's
`coverage.forbidden` names what is missing. When the `cilium.io` API group exists, CiliumNetworkPolicies and
CiliumClusterwideNetworkPolicies are listed and watched too, and counted in `coverage.not_evaluated`.

Nothing here writes to the cluster: every request is a GET.
"""

from __future__ import annotations

import builtins
import json
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cluster import ClusterSnapshot, Coverage
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import KubePhase, KubeStatus, Origin
from netpol_tui.core.problems import KubeForbidden, Problem
from netpol_tui.sources.backoff import Backoff
from netpol_tui.sources.kube import errors as text
from netpol_tui.sources.kube.config import Connection, connect, describe_error
from netpol_tui.sources.kube.errors import KubeError
from netpol_tui.sources.kube.resources import (
    CILIUM_CONFIG,
    CILIUM_GROUP,
    CILIUM_NETWORK_POLICIES,
    CILIUM_RESOURCES,
    CORE_RESOURCES,
    ENDPOINTS,
    KUBERNETES_ENDPOINTS,
    NAMESPACES,
    NETWORK_POLICIES,
    NODES,
    PODS,
    SERVICES,
    Resource,
    _key,
    _rv,
    slim,
    store_name,
)

ORIGIN = Origin("kube-api")
CILIUM_KINDS = ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
_PLAIN = (NAMESPACES, PODS, NETWORK_POLICIES)  # the resources whose models are not Cilium objects
# ClusterSnapshot takes the Cilium objects (`cilium=`) once the core carries them
CILIUM_IN_SNAPSHOT = "cilium" in getattr(ClusterSnapshot, "__slots__", ())


def parse_one(obj: Mapping[str, Any]) -> tuple[Any, list[Problem]]:
    """One object through the core's parser: its model (None when left out) and its problems and notes."""
    result = parse_objects([obj], ORIGIN)
    model = (result.namespaces or result.pods or result.policies or [None])[0]
    problems = list(result.problems)
    if model is not None:
        return model, problems
    found = getattr(result, "cilium", None)
    if not isinstance(found, CiliumObjects):  # the core's manifests parser does not route Cilium kinds yet
        found = CiliumObjects()
        if found.parse(obj, ORIGIN):
            problems += found.problems
    problems += [n for n in found.notes if n not in problems]
    if found.config is not None:
        return found.config, problems
    for group in (found.policies, found.groups, found.nodes, found.services, found.endpoints):
        if group:
            return group[0], problems
    return None, problems


class _Forbidden(Exception):
    def __init__(self, verb: str) -> None:
        super().__init__(verb)
        self.verb = verb


class _Gone(Exception):
    pass


class _Missing(Exception):
    """404 on a list: the resource type does not exist on this server (e.g. Cilium CRDs removed)."""


# ---------------------------------------------------------------------------------------------------------------
# One resource: list + watch
# ---------------------------------------------------------------------------------------------------------------
class _Reflector:
    """Keeps one resource's objects (slimmed raw dict and parsed model per key), kept current by list + watch."""

    def __init__(self, source: KubeSource, res: Resource) -> None:
        self.source = source
        self.res = res
        self.version = res.version  # the version served (a fallback after a 404 on the preferred one)
        self.raw: dict[str, dict[str, Any]] = {}
        self.parsed: dict[str, Any] = {}  # key -> Namespace / Pod / NetworkPolicy
        self.problems: dict[str, list[Problem]] = {}
        self.rv = ""
        self.synced = False  # first list done (or given up: forbidden / missing)
        self.forbidden_verb = ""  # "list"/"watch" while RBAC refuses us
        self.missing = False
        self.noted_missing = False  # the one-line note about a resource not served was given
        self.backoff = source.new_backoff()  # the one retry policy (sources/backoff.py)
        self.recovering = False  # a failure was reported: say "watching" again once a watch starts
        self.thread: threading.Thread | None = None

    @property
    def namespace(self) -> str:
        if self.res.fixed_namespace:
            return self.res.fixed_namespace
        return self.source.namespace if self.res.namespaced else ""

    @property
    def name(self) -> str:
        """The resource as a person names it: `ciliumnetworkpolicies.cilium.io`, `pods`."""
        return f"{self.res.plural}.{self.res.group}" if self.res.group else self.res.plural

    # --- API calls -----------------------------------------------------------------------------------------
    def _call(self, **kwargs: Any) -> Any:
        """GET the list (or watch) endpoint; returns the urllib3 response, unread."""
        from kubernetes import client

        api = self.source.conn.api_client
        ns = self.namespace
        kwargs["_preload_content"] = False
        res = self.res
        if res.field_selector:
            kwargs["field_selector"] = res.field_selector
        if res is NAMESPACES:
            return client.CoreV1Api(api).list_namespace(**kwargs)
        if res is NODES:
            return client.CoreV1Api(api).list_node(**kwargs)
        if res is NETWORK_POLICIES:
            net = client.NetworkingV1Api(api)
            if ns:
                return net.list_namespaced_network_policy(ns, **kwargs)
            return net.list_network_policy_for_all_namespaces(**kwargs)
        if not res.group:
            core = client.CoreV1Api(api)
            if res is PODS:
                return (
                    core.list_namespaced_pod(ns, **kwargs)
                    if ns
                    else core.list_pod_for_all_namespaces(**kwargs)
                )
            if res is SERVICES:
                if ns:
                    return core.list_namespaced_service(ns, **kwargs)
                return core.list_service_for_all_namespaces(**kwargs)
            if res in (ENDPOINTS, KUBERNETES_ENDPOINTS):
                if ns:
                    return core.list_namespaced_endpoints(ns, **kwargs)
                return core.list_endpoints_for_all_namespaces(**kwargs)
            if res is CILIUM_CONFIG:
                return core.list_namespaced_config_map(ns, **kwargs)
            raise AssertionError(f"no call for {res.plural}")
        custom = client.CustomObjectsApi(api)
        if ns:
            return custom.list_namespaced_custom_object(res.group, self.version, ns, res.plural, **kwargs)
        return custom.list_cluster_custom_object(res.group, self.version, res.plural, **kwargs)

    def _classify(self, exc: BaseException, verb: str) -> BaseException:
        status = getattr(exc, "status", None)
        if status == 403:
            return _Forbidden(verb)
        if status == 410:
            return _Gone()
        if status == 404 and (self.res.optional or self.res.counted_only):
            return _Missing()
        return exc

    def list(self) -> None:
        """Paginated list; replaces the store. Re-parses only objects whose resourceVersion changed."""
        src = self.source
        items: list[dict[str, Any]] = []
        cont = ""
        rv = ""
        restarted = False
        while True:
            if src.stopped:
                return
            kwargs: dict[str, Any] = {"limit": src.page_size, "_request_timeout": src.request_timeout}
            if cont:
                kwargs["_continue"] = cont
            try:
                resp = self._call(**kwargs)
                try:
                    body = json.loads(resp.data)
                finally:
                    resp.release_conn()
            except Exception as exc:
                err = self._classify(exc, "list")
                if isinstance(err, _Gone) and cont and not restarted:
                    # the continue token expired mid-list: start over for a consistent list
                    items, cont, rv, restarted = [], "", "", True
                    continue
                if isinstance(err, _Missing) and not cont and self._next_version():
                    continue  # e.g. CiliumCIDRGroup: cilium.io/v2 not served, v2alpha1 is
                raise err from None
            meta = body.get("metadata") or {}
            if not rv:
                rv = str(meta.get("resourceVersion") or "")
            items.extend(body.get("items") or [])
            cont = meta.get("continue") or ""
            if not cont:
                break
        raw: dict[str, dict[str, Any]] = {}
        for item in items:
            if isinstance(item, Mapping):
                obj = slim(item, self.res, self.version)
                raw[_key(obj)] = obj
        self._replace(raw)
        self.rv = rv

    def _next_version(self) -> bool:
        """Switch to the next version to try after a 404; False when none is left (then start over)."""
        versions = (self.res.version, *self.res.fallback_versions)
        at = versions.index(self.version)
        if at + 1 < len(versions):
            self.version = versions[at + 1]
            return True
        self.version = self.res.version
        return False

    def _parse(self, obj: dict[str, Any]) -> tuple[Any, builtins.list[Problem]]:
        if self.res.counted_only:
            return None, []
        return parse_one(obj)

    def _replace(self, raw: dict[str, dict[str, Any]]) -> None:
        parsed: dict[str, Any] = {}
        problems: dict[str, list[Problem]] = {}
        old_raw, old_parsed, old_problems = self.raw, self.parsed, self.problems
        for key, obj in raw.items():
            old = old_raw.get(key)
            if old is not None and _rv(old) == _rv(obj) and _rv(obj):
                if key in old_parsed:
                    parsed[key] = old_parsed[key]
                if key in old_problems:
                    problems[key] = old_problems[key]
                continue
            model, probs = self._parse(obj)
            if model is not None:
                parsed[key] = model
            if probs:
                problems[key] = probs
        with self.source._cond:
            self.raw, self.parsed, self.problems = raw, parsed, problems
            self.synced = True
            self.forbidden_verb = ""
            self.missing = False
            self.source._changed()

    def apply(self, kind: str, obj: dict[str, Any]) -> None:
        obj = slim(obj, self.res, self.version)
        key = _key(obj)
        if kind == "DELETED":
            with self.source._cond:
                self.raw.pop(key, None)
                self.parsed.pop(key, None)
                self.problems.pop(key, None)
                self.source._changed()
            return
        model, probs = self._parse(obj)
        with self.source._cond:
            self.raw[key] = obj
            if model is not None:
                self.parsed[key] = model
            else:
                self.parsed.pop(key, None)
            if probs:
                self.problems[key] = probs
            else:
                self.problems.pop(key, None)
            self.source._changed()

    def watch(self) -> None:
        """Watch from self.rv until the server ends the watch (normal: timeoutSeconds) or an error is raised."""
        src = self.source
        timeout = random.randint(int(src.watch_timeout * 0.8), int(src.watch_timeout))
        try:
            resp = self._call(
                watch=True,
                resource_version=self.rv,
                allow_watch_bookmarks=True,
                timeout_seconds=timeout,
                _request_timeout=(src.request_timeout[0], timeout + 30),
            )
        except Exception as exc:
            raise self._classify(exc, "watch") from None
        src._register(resp)
        self.backoff.healthy()  # a watch that lasts starts the backoff over
        if self.recovering:
            self.recovering = False
            src._status("watching", self.res.plural, text.watching(self.res.plural))
        try:
            if src.stopped:
                return
            for line in _lines(resp):
                if src.stopped:
                    return
                event = json.loads(line)
                etype = event.get("type")
                obj = event.get("object") or {}
                if etype == "ERROR":
                    code = obj.get("code")
                    if code == 410:
                        raise _Gone()
                    if code == 403:
                        raise _Forbidden("watch")
                    raise RuntimeError(f"watch error {code}: {obj.get('message', '')}")
                rv = _rv(obj)
                if etype in ("ADDED", "MODIFIED", "DELETED"):
                    self.apply(etype, obj)
                if rv:
                    self.rv = rv
        finally:
            src._unregister(resp)

    # --- the thread ------------------------------------------------------------------------------------------
    def run(self) -> None:
        src = self.source
        need_list = True
        while not src.stopped:
            try:
                if need_list:
                    self.list()
                    need_list = False
                self.watch()
                # a clean end of the watch (its timeoutSeconds): watch again from where we are
            except _Gone:
                need_list = True
                src._status("relisting", self.res.plural, text.relisting(self.res.plural))
            except _Forbidden as exc:
                need_list = True
                self._set_forbidden(exc.verb)
                src._stop.wait(src.forbidden_retry)
            except _Missing:
                self._set_missing()
                need_list = True
                src._stop.wait(src.discovery_interval)
            except Exception as exc:
                if src.stopped:
                    return
                status = getattr(exc, "status", None)
                delay = self.backoff.next_delay()
                attempt = self.backoff.attempt
                self.recovering = True
                if status == 401:
                    src._status(
                        "failed",
                        self.res.plural,
                        text.unauthorized(src.conn.server, src.conn.context),
                        attempt,
                        delay,
                    )
                else:
                    detail = (
                        f"{status} {getattr(exc, 'reason', '')}".strip() if status else describe_error(exc)
                    )
                    src._status(
                        "reconnecting",
                        self.res.plural,
                        text.reconnecting(self.res.plural, delay, detail),
                        attempt,
                        delay,
                    )
                src._stop.wait(delay)

    def _set_forbidden(self, verb: str) -> None:
        src = self.source
        first = self.forbidden_verb != verb
        with src._cond:
            self.forbidden_verb = verb
            if verb == "list":
                self.raw, self.parsed, self.problems = {}, {}, {}
            self.synced = True
            src._changed()
        if first:
            src._status("forbidden", self.res.plural, self.forbidden_message())

    def _set_missing(self) -> None:
        src = self.source
        with src._cond:
            self.raw, self.parsed, self.problems = {}, {}, {}
            self.missing = True
            self.synced = True
            src._changed()
        if not self.noted_missing:
            self.noted_missing = True
            src._note(text.not_served(self.name))

    def forbidden_message(self) -> str:
        return text.forbidden(self.forbidden_verb or "list", self.res.plural, self.res.group, self.namespace)

    def forbidden_problem(self) -> KubeForbidden:
        return KubeForbidden(
            ORIGIN,
            obj=self.res.plural,
            verb=self.forbidden_verb or "list",
            resource=self.res.plural,
            group=self.res.group,
            namespace=self.namespace,
        )


def _lines(resp: Any) -> Iterator[bytes]:
    """Lines of a chunked watch response, as they arrive."""
    buf = b""
    for chunk in resp.stream(amt=None, decode_content=True):
        if not chunk:
            continue
        buf += chunk
        if b"\n" not in buf:
            continue
        *lines, buf = buf.split(b"\n")
        for line in lines:
            if line.strip():
                yield line
    if buf.strip():
        yield buf


# ---------------------------------------------------------------------------------------------------------------
# The source
# ---------------------------------------------------------------------------------------------------------------
Event = ClusterSnapshot | KubeStatus


class KubeSource:
    """Namespaces, Pods and NetworkPolicies (and Cilium policy counts) from the kube API, kept current.

    Give either kubeconfig/context (resolved as kubectl does) or a ready `connection`. `namespace` limits pods,
    policies and Cilium policies to one namespace (namespaces are still listed cluster-wide when allowed).
    """

    def __init__(
        self,
        kubeconfig: str | None = None,
        context: str | None = None,
        namespace: str | None = None,
        *,
        connection: Connection | None = None,
        page_size: int = 500,
        rebuild_interval: float = 0.1,
        debounce: float = 0.02,
        watch_timeout: int = 300,
        request_timeout: tuple[float, float] = (10.0, 60.0),
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        forbidden_retry: float = 120.0,
        discovery_interval: float = 300.0,
        cilium: bool = True,
    ) -> None:
        self.conn = connection or connect(kubeconfig, context)
        self.namespace = namespace or ""
        self.page_size = page_size
        self.rebuild_interval = rebuild_interval
        self.debounce = debounce
        self.watch_timeout = max(watch_timeout, 2)
        self.request_timeout = request_timeout
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.forbidden_retry = forbidden_retry
        self.discovery_interval = discovery_interval
        self.cilium = cilium
        self._cond = threading.Condition(threading.Lock())
        self._stop = threading.Event()
        self._dirty = False
        self._first_dirty = 0.0
        self._statuses: queue.SimpleQueue[KubeStatus] = queue.SimpleQueue()
        self._responses: set[Any] = set()
        resources = list(CORE_RESOURCES)
        if self.namespace and self.namespace != KUBERNETES_ENDPOINTS.fixed_namespace:
            resources.append(KUBERNETES_ENDPOINTS)  # the kube-apiserver's addresses, whatever the scope
        self._reflectors: dict[str, _Reflector] = {store_name(r): _Reflector(self, r) for r in resources}
        self.notes: list[str] = []  # one-line notes (resources not served), also sent as statuses
        self._cilium_discovered = False
        self._discovery_done = not cilium
        self._revision = 0
        self._latest: ClusterSnapshot | None = None
        self._started = False
        self._threads: list[threading.Thread] = []

    # --- state shared with the reflector threads ------------------------------------------------------------
    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _changed(self) -> None:
        """Called with self._cond held."""
        if not self._dirty:
            self._dirty = True
            self._first_dirty = time.monotonic()
        self._cond.notify_all()

    def _status(
        self, state: str, resource: str, message: str, attempt: int = 0, retry_in: float = 0.0
    ) -> None:
        self._statuses.put(
            KubeStatus(
                KubePhase(state), resource, message, attempt, retry_in, self.conn.context, time.time_ns()
            )
        )
        with self._cond:
            self._cond.notify_all()

    def _note(self, message: str) -> None:
        """A one-line note (a resource this server does not serve, skipped): kept, and a status when live."""
        with self._cond:
            if message in self.notes:
                return
            self.notes.append(message)
        if self._started:
            self._status("synced", CILIUM_GROUP, message)

    def _register(self, resp: Any) -> None:
        with self._cond:
            self._responses.add(resp)
        if self.stopped:
            _shutdown(resp)

    def _unregister(self, resp: Any) -> None:
        with self._cond:
            self._responses.discard(resp)
        try:
            resp.release_conn()
        except Exception:
            pass

    # --- Cilium discovery ------------------------------------------------------------------------------------
    def discover_cilium(self) -> bool:
        """True when the cilium.io API group is served (from /apis; a 403 there falls back to the CRD)."""
        from kubernetes import client

        resp: Any
        try:
            resp = client.ApisApi(self.conn.api_client).get_api_versions(
                _preload_content=False, _request_timeout=self.request_timeout
            )
            try:
                body = json.loads(resp.data)
            finally:
                resp.release_conn()
            return any(g.get("name") == CILIUM_GROUP for g in body.get("groups") or [])
        except Exception as exc:
            if getattr(exc, "status", None) != 403:
                raise
        try:
            resp = client.ApiextensionsV1Api(self.conn.api_client).read_custom_resource_definition(
                f"{CILIUM_NETWORK_POLICIES.plural}.{CILIUM_GROUP}",
                _preload_content=False,
                _request_timeout=self.request_timeout,
            )
            resp.release_conn()
            return True
        except Exception as exc:
            if getattr(exc, "status", None) in (403, 404):
                return False
            raise

    def _add_cilium(self) -> list[_Reflector]:
        added = []
        with self._cond:
            for res in CILIUM_RESOURCES:
                if store_name(res) not in self._reflectors:
                    self._reflectors[store_name(res)] = _Reflector(self, res)
                    added.append(self._reflectors[store_name(res)])
            self._cilium_discovered = True
        return added

    def new_backoff(self) -> Backoff:
        """The one retry policy (sources/backoff.py) with this source's limits."""
        return Backoff(initial=self.backoff_base, maximum=max(self.backoff_max, self.backoff_base))

    def _discovery_loop(self) -> None:
        backoff = self.new_backoff()
        while not self.stopped:
            try:
                found = self.discover_cilium()
            except Exception as exc:
                delay = backoff.next_delay()
                with self._cond:  # do not hold the first snapshot back for the Cilium discovery
                    if not self._discovery_done:
                        self._discovery_done = True
                        self._changed()
                self._status("reconnecting", "apis", text.reconnecting("/apis", delay, describe_error(exc)))
                self._stop.wait(delay)
                continue
            if found:
                for refl in self._add_cilium():
                    self._start_thread(refl)
            else:
                self._note(text.not_served(f"{CILIUM_GROUP} (no Cilium CRDs)"))
            with self._cond:
                first = not self._discovery_done
                self._discovery_done = True
                if first:
                    self._changed()
            if found:
                return
            self._stop.wait(self.discovery_interval)

    # --- snapshots -------------------------------------------------------------------------------------------
    def _synced(self) -> bool:
        return self._discovery_done and all(r.synced for r in self._reflectors.values())

    def _build(self) -> ClusterSnapshot:
        """A snapshot of the current stores (called with self._cond held)."""
        refl = self._reflectors
        forbidden: list[str] = []
        problems: list[Problem] = []
        not_evaluated: list[tuple[str, int]] = []
        cilium = self._cilium_objects()
        for r in refl.values():
            if r.forbidden_verb:
                if r.res.plural not in forbidden:
                    forbidden.append(r.res.plural)
                problems.append(r.forbidden_problem())
            for probs in r.problems.values():
                problems.extend(probs)
            if r.res.counted_only and r.raw:
                not_evaluated.append((r.res.kind, len(r.raw)))
        if not CILIUM_IN_SNAPSHOT:  # the core does not take Cilium objects yet: they stay counted
            counts = [(k, sum(1 for p in cilium.policies if p.kind == k)) for k in sorted(CILIUM_KINDS)]
            not_evaluated.extend((k, n) for k, n in counts if n)
        self._revision += 1
        context = self.conn.context
        source = f"kube-api {context}" if context else "kube-api in-cluster"
        extra: dict[str, Any] = {"cilium": cilium} if CILIUM_IN_SNAPSHOT else {}
        snap = ClusterSnapshot(
            refl["namespaces"].parsed.values(),
            refl["pods"].parsed.values(),
            refl["networkpolicies"].parsed.values(),
            problems=problems,
            coverage=Coverage(
                forbidden=tuple(forbidden),
                not_evaluated=tuple(sorted(not_evaluated)),
                namespace_scope=self.namespace,
            ),
            source=source,
            taken_at=time.time(),
            revision=self._revision,
            **extra,
        )
        self._latest = snap
        return snap

    def _cilium_objects(self) -> CiliumObjects:
        """The parsed Cilium policies, CIDR groups, Nodes, Services, Endpoints and cilium-config (lock held)."""
        out = CiliumObjects()
        for r in self._reflectors.values():
            if r.res not in _PLAIN:
                for model in r.parsed.values():
                    out.add(model)
        return out

    def cilium_objects(self) -> CiliumObjects:
        """What `_build` hands the snapshot besides Namespaces, Pods and NetworkPolicies."""
        with self._cond:
            return self._cilium_objects()

    @property
    def latest(self) -> ClusterSnapshot | None:
        return self._latest

    def raw_objects(self) -> dict[str, list[dict[str, Any]]]:
        """The slimmed raw objects per plural resource name, sorted by key (for `snapshot`)."""
        with self._cond:
            out: dict[str, list[dict[str, Any]]] = {}
            for name, r in self._reflectors.items():
                if r.missing:
                    continue
                if r.res is KUBERNETES_ENDPOINTS:  # saved with the other Endpoints
                    name = store_name(ENDPOINTS)
                out.setdefault(name, []).extend(r.raw[k] for k in sorted(r.raw))
            return out

    # --- one-shot --------------------------------------------------------------------------------------------
    def list_once(self) -> ClusterSnapshot:
        """List everything once (no watch). Raises KubeError when the API cannot be used at all."""
        try:
            if self.cilium and self.discover_cilium():  # no cilium.io at all: a plain cluster, nothing to say
                self._add_cilium()
            self._discovery_done = True
            for r in list(self._reflectors.values()):
                try:
                    r.list()
                except _Forbidden:
                    r._set_forbidden("list")
                except _Missing:
                    r._set_missing()
        except KubeError:
            raise
        except Exception as exc:
            raise self._fatal(exc) from None
        with self._cond:
            return self._build()

    def _fatal(self, exc: BaseException) -> KubeError:
        status = getattr(exc, "status", None)
        if status == 401:
            return KubeError(text.unauthorized(self.conn.server, self.conn.context))
        if status:
            return KubeError(text.api_error("list", "objects", status, str(getattr(exc, "reason", ""))))
        return KubeError(text.unreachable(self.conn.server, describe_error(exc)))

    # --- live ------------------------------------------------------------------------------------------------
    def _start_thread(self, refl: _Reflector) -> None:
        t = threading.Thread(target=refl.run, name=f"kube-{refl.res.plural}", daemon=True)
        refl.thread = t
        self._threads.append(t)
        t.start()

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._status("connecting", "", text.connecting(self.conn.server, self.conn.context))
        for refl in list(self._reflectors.values()):
            self._start_thread(refl)
        if self.cilium:
            t = threading.Thread(target=self._discovery_loop, name="kube-discovery", daemon=True)
            self._threads.append(t)
            t.start()

    def events(self) -> Iterator[Event]:
        """Status events and snapshots until `stop()`. The first snapshot comes once every list is done."""
        self.start()
        announced = False
        last_build = 0.0
        while True:
            while True:
                try:
                    yield self._statuses.get_nowait()
                except queue.Empty:
                    break
            if self.stopped:
                yield KubeStatus(
                    KubePhase.STOPPED, "", text.stopped(), context=self.conn.context, time_ns=time.time_ns()
                )
                return
            with self._cond:
                if not (self._dirty and self._synced()) and self._statuses.empty() and not self.stopped:
                    self._cond.wait(timeout=1.0)
                if self.stopped or not (self._dirty and self._synced()):
                    continue
                now = time.monotonic()
                due = max(self._first_dirty + self.debounce, last_build + self.rebuild_interval)
            if now < due:
                self._stop.wait(due - now)
                if self.stopped:
                    continue
            with self._cond:
                self._dirty = False
                snap = self._build()
            last_build = time.monotonic()
            if not announced:
                announced = True
                c = snap.counts()
                msg = text.synced(c["namespaces"], c["pods"], c["policies"], self.namespace)
                yield KubeStatus(KubePhase.SYNCED, "", msg, context=self.conn.context, time_ns=time.time_ns())
                msg = text.not_evaluated(snap.coverage.not_evaluated)
                if msg:
                    yield KubeStatus(
                        KubePhase.SYNCED, CILIUM_GROUP, msg, context=self.conn.context, time_ns=time.time_ns()
                    )
            yield snap

    def run(
        self,
        on_snapshot: Callable[[ClusterSnapshot], None],
        on_status: Callable[[KubeStatus], None] | None = None,
    ) -> None:
        """Blocking: calls back from this thread until `stop()` (for a Textual thread worker)."""
        for ev in self.events():
            if isinstance(ev, ClusterSnapshot):
                on_snapshot(ev)
            elif on_status is not None:
                on_status(ev)

    def stop(self, join_timeout: float = 1.0) -> None:
        """Stop every watch; returns within about `join_timeout` seconds."""
        self._stop.set()
        with self._cond:
            responses = list(self._responses)
            self._cond.notify_all()
        for resp in responses:
            _shutdown(resp)
        deadline = time.monotonic() + join_timeout
        for t in self._threads:
            if t is threading.current_thread():
                continue
            t.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> KubeSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.close()

    def close(self) -> None:
        try:
            self.conn.api_client.close()
        except Exception:
            pass


def _shutdown(resp: Any) -> None:
    """Unblock a thread reading this response (urllib3 >= 2.3 has shutdown(); else close the socket)."""
    try:
        if hasattr(resp, "shutdown"):
            resp.shutdown()
        else:  # pragma: no cover - older urllib3
            resp.close()
    except Exception:
        pass


def list_snapshot(
    kubeconfig: str | None = None, context: str | None = None, namespace: str | None = None
) -> ClusterSnapshot:
    """One full list of the cluster (for `trace`, `explain`); raises KubeError (one line) when it cannot."""
    source = KubeSource(kubeconfig, context, namespace)
    try:
        return source.list_once()
    finally:
        source.close()
