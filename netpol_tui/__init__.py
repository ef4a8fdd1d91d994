"""netpol-tui: explain dropped Kubernetes flows from Cilium Hubble against the cluster's NetworkPolicies."""

__version__ = "0.1.0"
