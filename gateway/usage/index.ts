// gateway/usage — what calls cost: the price table (USD per 1M tokens, built-in list prices overridable by
// `routing.prices`) and cost from usage. The cost ledger (storage injected) comes later. May import
// gateway/core only; gateway/routing reads prices from here for cost_optimized routing and cost limits.
export * from './price-table';
