"""The TUI's `/` filter words (`pod:shop/api verdict:dropped port:5432 words`) -> a `FlowQuery`.

The words build the same query as the CLI flags (core/flowquery.py), with errors naming the word.
"""

from __future__ import annotations

from dataclasses import replace

from netpol_tui.core.flowquery import FilterError, FlowQuery
from netpol_tui.core.problems import FilterMistake


def parse_filter_words(text: str, now_ns: int | None = None) -> FlowQuery:
    """`pod:shop/api verdict:dropped port:5432 proto:udp label:app=db ns:shop from-pod: to-pod: since:5m words`
    (also `from-port:`, `to-port:`, `ip:`, `from-ip:`, `to-ip:`; `port:` and `ip:` are either side).

    Words of the same kind OR (like a repeated flag); different kinds AND. Anything without a known `key:` is
    free text (matched locally against pod names, IPs, labels, verdict, reason, summary). Raises FilterError
    naming the first bad word.
    """
    buckets: dict[str, list[str]] = {
        k: []
        for k in (
            "pod",
            "from-pod",
            "to-pod",
            "ns",
            "label",
            "verdict",
            "port",
            "from-port",
            "to-port",
            "ip",
            "from-ip",
            "to-ip",
            "proto",
            "since",
            "reason",
            "direction",
        )
    }
    free: list[str] = []
    words = _split_words(text)
    for word in words:
        key, sep, value = word.partition(":")
        k = key.lower()
        k = {"namespace": "ns", "protocol": "proto", "drop-reason": "reason", "dir": "direction"}.get(k, k)
        if sep and k in buckets:
            if not value:
                raise FilterError(FilterMistake.EMPTY_VALUE, word)
            buckets[k].append(value)
        elif sep and k.isidentifier() and k.isalpha() and not _looks_like_value(word):
            raise FilterError(FilterMistake.UNKNOWN_KEY, word)
        else:
            free.append(word)
    since = buckets["since"][-1] if buckets["since"] else None
    q = FlowQuery.from_flags(
        pods=buckets["pod"],
        from_pods=buckets["from-pod"],
        to_pods=buckets["to-pod"],
        namespaces=buckets["ns"],
        labels=buckets["label"],
        verdicts=buckets["verdict"],
        ports=buckets["port"],
        from_ports=buckets["from-port"],
        to_ports=buckets["to-port"],
        ips=buckets["ip"],
        from_ips=buckets["from-ip"],
        to_ips=buckets["to-ip"],
        protocols=buckets["proto"],
        drop_reasons=buckets["reason"],
        directions=buckets["direction"],
        text=free,
        since=since,
        now_ns=now_ns,
        style="word",
    )
    return replace(q, words=tuple(words))


def _looks_like_value(word: str) -> bool:
    """`10.0.0.1:53`, `http://x`, `fe80::1` are free text, not `key:value` words."""
    return "://" in word or word.count(":") > 1 or word.partition(":")[0].replace(".", "").isdigit()


def _split_words(text: str) -> list[str]:
    """Split on spaces, keeping `label:env in (a, b)` style parentheses and "quoted phrases" together."""
    words, cur, depth, quote = [], [], 0, ""
    for ch in text:
        if quote:
            if ch == quote:
                quote = ""
            else:
                cur.append(ch)
            continue
        if ch in "\"'":
            quote = ch
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch.isspace() and depth == 0:
            if cur:
                words.append("".join(cur))
                cur = []
            continue
        cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words
