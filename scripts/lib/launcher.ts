/**
 * Calls `stop` once the process that launched this one is gone. `npm run cluster` runs this
 * script as npm's own child (`exec` in package.json), so a SIGTERM or SIGINT to npm's pid, as
 * a service manager sends it, reaches the script through npm. A launcher killed outright
 * (SIGKILL) passes nothing on: without this watch, the redis-server, nodes and HAProxy started
 * here would hold their ports for good.
 */
export function onLauncherGone(stop: () => void, intervalMs = 250): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    // An orphan is handed to init or a subreaper, so its parent's pid changes.
    if (process.ppid === parent) return;
    clearInterval(timer);
    stop();
  }, intervalMs);
  timer.unref();
}
