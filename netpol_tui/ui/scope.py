"""What the app subscribes to: the pod/namespace scope, `d`, and the user's `/` words, as one FlowQuery.

Pure. A Python gRPC client tops out near 20,000 flows/s, and a busy Relay sends far more, so an unscoped live
subscription asks Hubble for drops only (DROPPED and AUDIT); picking a pod or a namespace brings all its flows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.flowwords import parse_filter_words
from netpol_tui.ui import strings

ENDPOINT_KEYS = ("pod:", "from-pod:", "to-pod:", "ns:", "namespace:", "label:")
DROP_WORDS = ("verdict:DROPPED", "verdict:AUDIT")


def _quote(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str = "cluster"  # cluster, namespace, pod
    namespace: str = ""
    pod: str = ""
    drops_only: bool = False
    words: str = ""  # the user's `/` filter
    narrow_live: bool = True  # an unscoped subscription asks for drops only (live Hubble)

    def with_pod(self, namespace: str, pod: str) -> Scope:
        return replace(self, kind="pod", namespace=namespace, pod=pod)

    def with_namespace(self, namespace: str) -> Scope:
        return replace(self, kind="namespace", namespace=namespace, pod="")

    def cluster_wide(self) -> Scope:
        return replace(self, kind="cluster", namespace="", pod="")

    def _user_has(self, prefixes: tuple[str, ...]) -> bool:
        return any(w.lower().startswith(prefixes) for w in self.words.split())

    @property
    def forced_drops(self) -> bool:
        """True when only drops are subscribed because nothing narrower was asked for (live)."""
        return (
            self.narrow_live
            and self.kind == "cluster"
            and not self.drops_only
            and not self._user_has(ENDPOINT_KEYS)
            and not self._user_has(("verdict:",))
        )

    def compose(self) -> list[str]:
        words: list[str] = []
        user_endpoint = self._user_has(ENDPOINT_KEYS)
        if not user_endpoint:
            if self.kind == "pod":
                words.append(f"pod:{self.namespace}/{self.pod}")
            elif self.kind == "namespace":
                words.append(f"ns:{self.namespace}")
        if self.words.strip():
            words.append(self.words.strip())
        if (self.drops_only or self.forced_drops) and not self._user_has(("verdict:",)):
            words.extend(DROP_WORDS)
        return words

    def query(self) -> FlowQuery:
        """Raises FilterError (a sentence naming the bad word) when the user's words do not parse."""
        return parse_filter_words(" ".join(self.compose()))

    def describe(self, server_filters: bool) -> str:
        q = self.query()
        return strings.subscription(
            self.kind,
            f"{self.namespace}/{self.pod}" if self.kind == "pod" else self.namespace,
            drops=self.drops_only or self.forced_drops,
            forced=self.forced_drops,
            words=self.words.strip(),
            server=server_filters,
            local_only=q.local_only,
        )
