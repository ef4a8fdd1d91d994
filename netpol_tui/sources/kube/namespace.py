"""The namespace of the kubeconfig context, as `hubble observe` and kubectl use it for a bare pod name.

Read from the kubeconfig files directly (no API client, no network): `--kubeconfig` FILE, else `$KUBECONFIG`
(paths joined with ':', the first file that names a context wins), else ~/.kube/config. The context is `--context`,
else the first file's `current-context`. No kubeconfig, no such context or no namespace in it: `default`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEFAULT_NAMESPACE = "default"


def _paths(kubeconfig: str | None) -> list[str]:
    if kubeconfig:
        return [os.path.expanduser(kubeconfig)]
    env = os.environ.get("KUBECONFIG", "")
    if env:
        return [os.path.expanduser(p) for p in env.split(os.pathsep) if p]
    return [os.path.expanduser("~/.kube/config")]


def _load(path: str) -> Mapping[str, Any]:
    import yaml

    try:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return doc if isinstance(doc, Mapping) else {}


def context_namespace(kubeconfig: str | None = None, context: str | None = None) -> str:
    """The namespace of `context` (or of the current context); `default` when none is set or readable."""
    docs = [_load(p) for p in _paths(kubeconfig)]
    name = context or next(
        (str(d["current-context"]) for d in docs if isinstance(d.get("current-context"), str)), ""
    )
    if not name:
        return DEFAULT_NAMESPACE
    for doc in docs:
        for entry in doc.get("contexts") or []:
            if isinstance(entry, Mapping) and entry.get("name") == name:
                body = entry.get("context")
                ns = body.get("namespace") if isinstance(body, Mapping) else None
                return str(ns) if isinstance(ns, str) and ns else DEFAULT_NAMESPACE
    return DEFAULT_NAMESPACE


__all__ = ["DEFAULT_NAMESPACE", "context_namespace"]
