// The cookie strategy's public types and classes, re-exported by the package's entry point.
export {};
