#pragma once

#include "ConnectionSettings.h"

#include <atomic>

namespace streamscope {

// Where a connection to host:port goes when its settings say to go through SSH
// (ConnectionSettings::viaSsh): a local forward on 127.0.0.1 through the SSH server, made on
// first use and shared by every connection of this process to the same target through the
// same SSH server and user. RedisConnection asks for each server it connects to, so every
// cluster node, sentinel and primary a sentinel names is reached through the tunnel.
//
// The SSH server's host key is checked against known_hosts: unknown or changed is an
// Error::Kind::HostKey naming the fingerprint (final; trustSshHostKey() adds it). Errors say
// what failed: the SSH server unreachable (Connect), the key or user refused (Auth), the
// forward refused by the SSH server (Connect, naming the target).
Result<ConnectionSettings::HostPort> sshLocalForward(const ConnectionSettings::Ssh &ssh,
                                                     const QString &host, quint16 port,
                                                     int timeoutMs,
                                                     const std::atomic<bool> *cancel = nullptr);

} // namespace streamscope
