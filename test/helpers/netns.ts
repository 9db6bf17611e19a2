// Separate "hosts" on one machine for distributed tests: each host is a
// network namespace (iproute2's `ip netns`) whose only link is one end of a
// veth pair; the other ends are ports of a bridge in the root namespace,
// which has the servers' address. A process started in a host reaches the
// servers bound to that address and nothing else (its loopback is its own).
// Needs root; everything created is removed by remove(), and at exit.

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface Host {
  /** The namespace's name (`ip netns exec <name> ...`). */
  name: string;
  /** The host's address on the bridge. */
  address: string;
  /** Prefix for spawning a command inside the host. */
  exec: string[];
}

export interface HostNetwork {
  /** The root namespace's address on the bridge: bind servers here. */
  serverAddress: string;
  hosts: Host[];
  /** Deletes the namespaces (their veth pairs go with them) and the bridge. */
  remove(): void;
}

function ip(args: string[]): void {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.error?.message ?? r.stderr.trim()}`);
}

function quietly(args: string[]): void {
  spawnSync("ip", args, { stdio: "ignore", timeout: 10_000 });
}

const live = new Set<() => void>();
process.on("exit", () => {
  for (const remove of live) remove();
});

/** A 10.x.y.0/24 subnet no interface of this machine is on. */
function freeSubnet(): string {
  const used = spawnSync("ip", ["-4", "-o", "addr"], { encoding: "utf8" }).stdout ?? "";
  for (;;) {
    const [a, b] = randomBytes(2);
    const subnet = `10.${100 + (a! % 100)}.${b!}`;
    if (!used.includes(` ${subnet}.`)) return subnet;
  }
}

/**
 * Creates `count` hosts on a private bridge, or says why it cannot (not root,
 * no iproute2, namespaces not permitted) so the caller can fall back.
 */
export function createHostNetwork(count: number): HostNetwork | { unavailable: string } {
  if (process.getuid?.() !== 0) return { unavailable: `network namespaces need root (uid ${process.getuid?.()})` };
  if (spawnSync("ip", ["-V"], { stdio: "ignore" }).status !== 0) return { unavailable: "iproute2's ip command is not installed" };
  const id = randomBytes(3).toString("hex");
  const subnet = freeSubnet();
  const bridge = `ltb${id}`;
  const hosts: Host[] = [];
  const namespaces: string[] = [];
  const links: string[] = [];
  let bridgeMade = false;
  const remove = (): void => {
    for (const ns of namespaces.splice(0)) quietly(["netns", "del", ns]);
    // a pair whose inner end never reached its namespace
    for (const link of links.splice(0)) quietly(["link", "del", link]);
    if (bridgeMade) quietly(["link", "del", bridge]);
    bridgeMade = false;
    live.delete(remove);
  };
  live.add(remove);
  try {
    ip(["link", "add", bridge, "type", "bridge"]);
    bridgeMade = true;
    ip(["addr", "add", `${subnet}.1/24`, "dev", bridge]);
    ip(["link", "set", bridge, "up"]);
    for (let i = 0; i < count; i++) {
      const name = `lancets-${id}-h${i}`;
      const [outside, inside] = [`lt${id}h${i}`, `lt${id}n${i}`];
      ip(["netns", "add", name]);
      namespaces.push(name);
      ip(["link", "add", outside, "type", "veth", "peer", "name", inside]);
      links.push(outside);
      ip(["link", "set", inside, "netns", name]);
      ip(["link", "set", outside, "master", bridge]);
      ip(["link", "set", outside, "up"]);
      const address = `${subnet}.${10 + i}`;
      ip(["-n", name, "addr", "add", `${address}/24`, "dev", inside]);
      ip(["-n", name, "link", "set", inside, "up"]);
      ip(["-n", name, "link", "set", "lo", "up"]);
      hosts.push({ name, address, exec: ["ip", "netns", "exec", name] });
    }
    return { serverAddress: `${subnet}.1`, hosts, remove };
  } catch (err) {
    remove();
    return { unavailable: err instanceof Error ? err.message : String(err) };
  }
}
