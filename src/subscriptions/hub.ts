import { GraphQLError, type ExecutionResult } from 'graphql';
import { ErrorCode } from '../errors';
import type { Access, Viewer } from '../auth/access';
import type { Context } from '../context';
import type { RunnableOperation } from '../graphql/compiled-executor';
import type { Logger } from '../logger';
import { groupBy } from '../loaders/batch';
import { EventQueue } from './event-queue';
import { topicOf, type StoreEvent } from './events';

/** What a subscription field listens to, as its `subscribe` resolver declares it. */
export interface Topic<E extends StoreEvent = StoreEvent> {
  /** Which events: those whose {@link topicOf} is this key. */
  key: string;
  /**
   * Subscribers of one class may see the same rows, so an event is read once per class:
   * `public` for what anyone may see, else the viewer's identity.
   */
  accessClass: string;
  /** Whether the subscriber may see this event, decided in the class's operation scope (made when `access` is first read). */
  accepts?(event: E, scope: { readonly access: Access }): boolean | Promise<boolean>;
}

/** One subscription, registered until its queue ends. */
interface Subscriber {
  topic: Topic;
  viewer: Viewer;
  operation: RunnableOperation;
  variables: Record<string, unknown>;
  /** Subscribers with the same key get the very same result: class, document and variables alike. */
  group: string;
  queue: EventQueue;
}

export interface HubOptions {
  /** A fresh context for one event and access class: new loaders, the viewer's access rules. */
  context(viewer: Viewer): Context;
  /** Executes an operation with the event as root value. */
  run(operation: RunnableOperation, variables: Record<string, unknown>, context: Context, event: StoreEvent): Promise<ExecutionResult>;
  /** The result subscribers get when resolving an event failed outright. */
  failure(error: unknown): ExecutionResult;
  /** The result every subscriber gets when events may have been lost. */
  missed(since: number, until: number): ExecutionResult;
  /** Most results waiting for one subscriber; past it the subscriber is cut off. */
  queueSize: number;
  /** Most events waiting to be resolved in the process; past it events are dropped, and subscribers told. */
  maxPendingEvents?: number;
  logger: Logger;
  /** Counts and latencies, for metrics. */
  observe?: { received?(event: StoreEvent): void; resolved?(statements: number): void; delivered?(latencyMs: number): void; dropped?(): void };
}

export interface Registration {
  topic: Topic;
  viewer: Viewer;
  operation: RunnableOperation;
  variables: Record<string, unknown>;
  /** The socket's reaction to this subscriber falling too far behind (it closes the socket). */
  onOverflow(): void;
  /** Called once when the subscription ends, however it ends. */
  onEnd?(): void;
}

/**
 * The process's subscriptions, by topic, and the fan-out of each event to them. An event
 * is resolved once per access class, in one fresh operation scope (so its loaders batch
 * every subscriber of the class into one statement per level, and nothing comes from a
 * cache older than the event), and once per distinct operation within the class, whose
 * result every subscriber of that operation shares. So 1,000 subscribers of one playlist
 * cost the statements of one. Events of a topic are resolved in the order they came.
 */
export class Hub {
  private readonly topics = new Map<string, Set<Subscriber>>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly eventTime = new WeakMap<ExecutionResult, number>();
  private pending = 0;
  private count = 0;

  constructor(private readonly options: HubOptions) {}

  /** Subscriptions registered now. */
  get subscriptions(): number {
    return this.count;
  }

  /** Topics with at least one subscriber now. */
  get topicCount(): number {
    return this.topics.size;
  }

  /** Registers a subscription; its queue is what graphql-ws reads, and ending it unregisters it. */
  add(registration: Registration): EventQueue {
    const { topic, viewer, operation, variables, onOverflow, onEnd } = registration;
    const group = `${topic.accessClass}\0${operation.key}\0${operation.operationName ?? ''}\0${JSON.stringify(variables)}`;
    const subscriber = { topic, viewer, operation, variables, group } as Subscriber;
    subscriber.queue = new EventQueue(
      this.options.queueSize,
      onOverflow,
      () => {
        this.remove(subscriber);
        onEnd?.();
      },
      (result) => this.sent(result),
    );
    let members = this.topics.get(topic.key);
    if (!members) this.topics.set(topic.key, (members = new Set()));
    members.add(subscriber);
    this.count++;
    return subscriber.queue;
  }

  /** Resolves `event` for its topic's subscribers, after the topic's earlier events. */
  publish(event: StoreEvent): void {
    this.options.observe?.received?.(event);
    const key = topicOf(event);
    if (!this.topics.has(key)) return;
    if (this.pending >= (this.options.maxPendingEvents ?? 10_000)) {
      this.options.observe?.dropped?.();
      this.tell(this.topics.get(key) ?? [], this.options.missed(event.at, Date.now()));
      return;
    }
    this.pending++;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.deliver(event, [...(this.topics.get(key) ?? [])]))
      .catch((err) => this.options.logger.error({ err }, 'Delivering an event failed'))
      .finally(() => {
        this.pending--;
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Tells every subscriber that events between `since` and `until` may be lost. */
  gap(since: number, until: number): void {
    const result = this.options.missed(since, until);
    for (const members of this.topics.values()) this.tell(members, result);
  }

  /** Ends every subscription with `last` (or silently): for shutdown. */
  endAll(last?: ExecutionResult): void {
    for (const members of [...this.topics.values()]) for (const s of [...members]) s.queue.finish(last);
  }

  private async deliver(event: StoreEvent, subscribers: Subscriber[]): Promise<void> {
    const classes = groupBy(subscribers, (s) => s.topic.accessClass);
    const statements = await Promise.all([...classes.values()].map((members) => this.deliverToClass(event, members)));
    this.options.observe?.resolved?.(statements.reduce((sum, n) => sum + n, 0));
  }

  // One operation scope for the class, made only when needed (most classes of a busy
  // topic see nothing of an event, as customers of another customer's invoice): who may
  // see the event, then one execution per operation. Returns the statements it sent.
  private async deliverToClass(event: StoreEvent, members: Subscriber[]): Promise<number> {
    let context: Context | undefined;
    const scope = () => (context ??= this.options.context(members[0].viewer));
    const lazy = { get access() { return scope().access; } };
    try {
      const accepted: Subscriber[] = [];
      for (const member of members) if (!member.queue.done && (!member.topic.accepts || (await member.topic.accepts(event, lazy)))) accepted.push(member);
      await Promise.all(
        [...groupBy(accepted, (s) => s.group).values()].map(async (group) => {
          const { operation, variables } = group[0];
          const result = await this.options.run(operation, variables, scope(), event);
          this.eventTime.set(result, event.at);
          this.tell(group, result);
        }),
      );
    } catch (err) {
      this.tell(members, this.options.failure(err));
    }
    return context?.db.stats.statements ?? 0;
  }

  private tell(subscribers: Iterable<Subscriber>, result: ExecutionResult): void {
    for (const s of subscribers) s.queue.push(result);
  }

  private sent(result: ExecutionResult): void {
    const at = this.eventTime.get(result);
    if (at !== undefined) this.options.observe?.delivered?.(Date.now() - at);
  }

  private remove(subscriber: Subscriber): void {
    const members = this.topics.get(subscriber.topic.key);
    if (!members?.delete(subscriber)) return;
    this.count--;
    if (members.size === 0) this.topics.delete(subscriber.topic.key);
  }
}

/** What a context offers a subscription's `subscribe` resolver: registration with the hub. */
export type Subscribe = (topic: Topic) => AsyncIterable<ExecutionResult>;

/**
 * Registers the subscription being set up under `topic`, from a `subscribe` resolver.
 * @throws BAD_REQUEST outside a WebSocket (an HTTP request has no way to receive events)
 */
export function subscribeTo<E extends StoreEvent>(context: Context, topic: Topic<E>): AsyncIterable<ExecutionResult> {
  if (!context.subscribe) throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this path, not over HTTP', { extensions: { code: ErrorCode.BAD_REQUEST } });
  return context.subscribe(topic as Topic);
}
