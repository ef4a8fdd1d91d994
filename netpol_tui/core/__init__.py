"""The pure core: standard library only (no textual, rich, grpc, protobuf, kubernetes or yaml)."""
