export function iamwatch() {
  return {}
}
