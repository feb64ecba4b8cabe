// gateway/routing — model registry and name resolution (and, as it grows, strategies, circuits, circuit
// breaking, rate limits), configured by validated data. May import gateway/core, gateway/providers.
export * from './model-registry';
