// Route schemas compiled on a route's first request instead of at start-up: Ajv's and fast-json-stringify's code
// generation for the ~60 routes was about a fifth of the time from launch to the first answer (bench/README.md), and
// most routes of a session are never called. A schema's validator or serializer is built once, then reused as before.
type Validator = ((data: unknown) => unknown) & { errors?: unknown }

/** Wraps a validator compiler so that each route's validator is compiled when first used. */
export function lazyValidatorCompiler<R, V> (compile: (route: R) => V): (route: R) => V {
  return (route: R): V => {
    let validate: Validator | undefined
    const lazy: Validator = (data: unknown) => {
      validate ??= compile(route) as Validator
      const result = validate(data)
      // Fastify reads an Ajv validator's errors from the function it was given.
      lazy.errors = validate.errors
      return result
    }
    return lazy as V
  }
}

/** Wraps a serializer compiler so that each response schema's serializer is compiled when first used. */
export function lazySerializerCompiler<R> (compile: (route: R) => (data: unknown) => string): (route: R) => (data: unknown) => string {
  return (route: R) => {
    let serialize: ((data: unknown) => string) | undefined
    return (data: unknown) => (serialize ??= compile(route))(data)
  }
}
