// Route schemas compiled on a route's first request instead of at start-up: Ajv's code generation for the ~60
// routes was about a fifth of the time from launch to the first answer (bench/README.md), and most routes of a
// session are never called. A schema's validator is built once, then reused as before.
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
