// What a worker and the primary tell each other over the cluster channel.
export const WORKER_READY = 'worker-ready'
// A worker has drained and asks its turn to close: the primary lets workers close one at a time, so that clients
// leaving a closing worker reconnect to one still listening.
export const CLOSE_TURN_REQUEST = 'close-turn-request'
export const CLOSE_TURN = 'close-turn'
// A worker has closed its listener and holds its last requests until the primary has taken it out of the
// distribution (the cluster channel keeps order): answered earlier, clients reconnecting at once could be handed to it
// meanwhile, and reset when the primary closes the shared listener with no worker left.
export const LISTENER_CLOSED = 'listener-closed'
export const LISTENER_CLOSED_ACK = 'listener-closed-ack'

export type MessageType = typeof WORKER_READY | typeof CLOSE_TURN_REQUEST | typeof CLOSE_TURN | typeof LISTENER_CLOSED | typeof LISTENER_CLOSED_ACK

export interface WorkerMessage {
  type: MessageType
}

export interface WorkerReadyMessage {
  type: typeof WORKER_READY
}

export function isMessage (message: unknown, type: MessageType): boolean {
  return (message as { type?: unknown } | null)?.type === type
}

export function isWorkerReady (message: unknown): message is WorkerReadyMessage {
  return isMessage(message, WORKER_READY)
}
