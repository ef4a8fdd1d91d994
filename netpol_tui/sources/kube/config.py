"""Reaching the Kubernetes API as kubectl does: kubeconfig files, contexts, the in-cluster service account."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netpol_tui.sources.kube import errors as text
from netpol_tui.sources.kube.errors import KubeError

SA_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"


# ---------------------------------------------------------------------------------------------------------------
# kubeconfig, as kubectl resolves it
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Connection:
    api_client: Any  # kubernetes.client.ApiClient
    context: str  # "" for in-cluster config
    server: str


def connect(kubeconfig: str | None = None, context: str | None = None) -> Connection:
    """An ApiClient as kubectl would build it: `--kubeconfig` FILE, else `$KUBECONFIG` (paths joined with ':',
    merged, first one wins per name), else ~/.kube/config, else the in-cluster service account."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    paths: str | None = None
    if kubeconfig:
        path = os.path.expanduser(kubeconfig)
        if not os.path.exists(path):
            raise KubeError(text.kubeconfig_missing(kubeconfig))
        paths = path
        where = kubeconfig
    else:
        env = os.environ.get("KUBECONFIG", "")
        existing = [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
        existing = [p for p in existing if os.path.exists(p)]
        if existing:
            paths = os.pathsep.join(existing)
            where = "$KUBECONFIG"
        elif not env and os.path.exists(os.path.expanduser("~/.kube/config")):
            paths = os.path.expanduser("~/.kube/config")
            where = "~/.kube/config"
    cfg = client.Configuration()
    if paths is None:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and os.path.exists(SA_TOKEN):
            try:
                config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            except ConfigException as exc:
                raise KubeError(text.config_invalid("in-cluster", _first_line(exc))) from None
            return Connection(client.ApiClient(cfg), "", cfg.host)
        looked = (
            "$KUBECONFIG: " + os.environ["KUBECONFIG"] if os.environ.get("KUBECONFIG") else "~/.kube/config"
        )
        raise KubeError(text.no_config(f"looked at {looked}"))
    try:
        contexts, current = config.list_kube_config_contexts(config_file=paths)  # type: ignore[no-untyped-call]
    except (ConfigException, OSError, ValueError, TypeError, KeyError) as exc:
        raise KubeError(text.config_invalid(where, _first_line(exc))) from None
    except Exception as exc:  # yaml errors and the like: still one line
        raise KubeError(text.config_invalid(where, _first_line(exc))) from None
    names = [c.get("name", "") for c in contexts or [] if isinstance(c, Mapping)]
    if context and context not in names:
        raise KubeError(text.context_not_found(context, names))
    if not context and not current:
        raise KubeError(text.config_invalid(where, "no current-context: pass --context NAME"))
    chosen = context or _first_current_context(paths) or (current or {}).get("name", "")
    try:
        config.load_kube_config(  # type: ignore[no-untyped-call]
            config_file=paths, context=chosen, client_configuration=cfg, persist_config=False
        )
    except Exception as exc:  # ConfigException, exec plugin failures, bad certificate files ...
        raise KubeError(text.config_invalid(where, _first_line(exc))) from None
    return Connection(client.ApiClient(cfg), chosen, cfg.host)


def _first_current_context(paths: str) -> str:
    """kubectl takes current-context from the first merged file that sets it (the client takes the last)."""
    import yaml

    for path in paths.split(os.pathsep):
        try:
            with open(path, encoding="utf-8") as f:
                doc = yaml.safe_load(f)
        except (OSError, yaml.YAMLError):
            continue
        if (
            isinstance(doc, Mapping)
            and isinstance(doc.get("current-context"), str)
            and doc["current-context"]
        ):
            return str(doc["current-context"])
    return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")


def describe_error(exc: BaseException) -> str:
    """A short reason for a transport failure: "Connection refused", "timed out", ..."""
    text = str(exc)
    m = _ERRNO.search(text)
    if m:
        return m.group(1).strip().rstrip(".")
    reason = getattr(exc, "reason", None)
    if isinstance(reason, BaseException):
        return describe_error(reason)
    if "timed out" in text.lower():
        return "timed out"
    return _first_line(exc)[:200]
