/** A variable the stack sets for the function; a clear error when it is missing (the function cannot start). */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (!value) throw new Error(`environment variable ${name} is not set`)
  return value
}
