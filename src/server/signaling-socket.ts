/**
 * The server's side of a signaling WebSocket: ws makes one of these for each upgrade, and the
 * socket carries its connection, so that every socket shares one 'message', 'pong' and 'close'
 * listener instead of three closures each (about 200 bytes a connection, for its whole life).
 */
import { WebSocket } from 'ws';
import type { Connection } from './connection.ts';

export class SignalingSocket extends WebSocket {
  connection: Connection | undefined = undefined;
}

/** The connection of a socket the hub accepted (ws types its listeners' `this` as the base class). */
function connectionOf(ws: WebSocket): Connection {
  return (ws as SignalingSocket).connection!;
}

/** A 'message' listener for every socket, handing the frame on with the socket's connection. */
export function messageListener(then: (conn: Connection, data: Buffer, isBinary: boolean) => void) {
  return function (this: WebSocket, data: Buffer, isBinary: boolean): void {
    then(connectionOf(this), data, isBinary);
  };
}

/** A 'close' listener for every socket. */
export function closeListener(then: (conn: Connection, code: number) => void) {
  return function (this: WebSocket, code: number): void {
    then(connectionOf(this), code);
  };
}

/** The heartbeat's answer: the connection is alive. */
export function onPong(this: WebSocket): void {
  connectionOf(this).heard = true;
}
