"""rlvr/KGMultiHop-v0: long-context multi-hop questions over knowledge graphs."""
