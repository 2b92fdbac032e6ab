#pragma once

#include "ConnectionSettings.h"

#include <atomic>
#include <optional>

namespace streamscope {

// Where a connection to host:port goes when its settings say to go through SSH
// (ConnectionSettings::viaSsh): a local forward on 127.0.0.1 through the SSH server, made on
// first use and shared by every connection of this process to the same target through the
// same SSH server and user. RedisConnection asks for each server it connects to, so every
// cluster node, sentinel and primary a sentinel names is reached through the tunnel.
//
// One SSH session per (SSH host, port, user, key file, known_hosts file) in the process, made
// by the first caller, shared by every thread; each connection accepted on a forward gets its
// own direct-tcpip channel. When the session dies its forwards close (connections see Io
// errors) and the next call makes a new session; a session without connections for a minute
// logs out (setSshSessionIdleTimeout).
//
// The SSH server's host key is checked against known_hosts: unknown or changed is an
// Error::Kind::HostKey naming the fingerprint (final; trustSshHostKey() adds it). Errors say
// what failed: the SSH server unreachable (Connect), the key or user refused (Auth), the
// forward refused by the SSH server (Connect, naming the target).
Result<ConnectionSettings::HostPort> sshLocalForward(const ConnectionSettings::Ssh &ssh,
                                                     const QString &host, quint16 port,
                                                     int timeoutMs,
                                                     const std::atomic<bool> *cancel = nullptr);

// What an SSH server's host key is to us, for a prompt ("The server's key is SHA256:...;
// trust it?"). An Error::Kind::HostKey from sshLocalForward carries the same facts in its
// message; sshHostKeyProblem() reads them back.
struct SshHostKey {
    enum class Status {
        Trusted, // in known_hosts, matching
        Unknown, // not in known_hosts: ask the user, then trustSshHostKey()
        Changed, // known_hosts has another key for this server: refuse, never a prompt
    };
    Status status = Status::Unknown;
    QString endpoint;       // "host:port" of the SSH server
    QString fingerprint;    // "SHA256:..." (base64, as ssh-keygen -l prints it)
    QString keyType;        // "ssh-ed25519", ...
    QString knownHostsFile; // the file checked (and written by trustSshHostKey)
};

// Connects to the SSH server (no authentication) and checks its key against known_hosts.
// This and trustSshHostKey block for up to timeoutMs: call them off the GUI thread.
Result<SshHostKey> checkSshHostKey(const ConnectionSettings::Ssh &ssh, int timeoutMs = 10000);

// Adds the SSH server's key to known_hosts (ssh.knownHostsFile or ~/.ssh/known_hosts, created
// when missing) after the user has seen fingerprint: the key the server presents now must be
// that one, or nothing is written. A changed key is refused (remove the old line first).
Error trustSshHostKey(const ConnectionSettings::Ssh &ssh, const QString &fingerprint,
                      int timeoutMs = 10000);

// The host key facts of an Error::Kind::HostKey from sshLocalForward (status Unknown or
// Changed, endpoint and fingerprint filled); nothing for any other error.
std::optional<SshHostKey> sshHostKeyProblem(const Error &error);

// The SHA256 fingerprint of a public key line ("ssh-ed25519 AAAA... comment") or of a
// known_hosts line, as "SHA256:..."; empty when it does not parse.
QString sshFingerprintOfPublicKey(const QString &line);

// Why the SSH session for ssh ended ("the SSH connection to host:port was lost: ..."), while no
// new one was made; empty when it is up or was never made. Set before its connections close,
// so a reader that sees its connection drop can say it was the tunnel, not the server.
QString sshTunnelLost(const ConnectionSettings::Ssh &ssh);

// A session without any connection through it for this long is closed (its SSH login ends;
// the next connection makes a new one). Default 60 s.
void setSshSessionIdleTimeout(int ms);

// While connections go through a session that has been silent this long, it is asked for a sign
// of life (keepalive@openssh.com); silent twice as long, it is taken for dead (its connections
// close, as when its TCP connection breaks). Default 30 s.
void setSshKeepAliveInterval(int ms);

// How many SSH sessions this process has open (for tests and the status line).
int sshSessionCount();

} // namespace streamscope
