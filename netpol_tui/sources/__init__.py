"""All I/O: Hubble gRPC, capture files, the kube API, manifest files. Protobuf objects never leave here."""
