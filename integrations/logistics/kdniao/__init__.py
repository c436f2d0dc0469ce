"""KDNiao (快递鸟): the second tracking aggregator — subscription (RequestType 1008) and pushes (101)."""
