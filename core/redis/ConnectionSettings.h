#pragma once

#include <atomic>
#include <memory>

#include "Error.h"

#include <QList>
#include <QString>

namespace streamscope {

// Where and how to connect, parsed from a redis-cli style URL:
//   redis://[[user]:password@]host[:port][/db]
//   rediss://...                         (TLS)
//   unix://[[user]:password@]/path/to/socket[?db=N]
//   redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/MASTER[/db]
//   rediss+sentinel://...                (TLS to the sentinels and the data nodes)
// Query parameters (documented in the README, "Connecting"):
//   db=N, user=U, password=P, max-reply=SIZE
//   TLS (rediss:// only): cacert=FILE, cacertdir=DIR, cert=FILE, key=FILE, sni=NAME, insecure
//   Sentinel: sentinel-user=U, sentinel-password=P (the sentinels' own credentials; the URL's
//   user and password are the data nodes')
//   SSH: ssh=[user@]host[:port], ssh-key=FILE, ssh-known-hosts=FILE
// Key passphrases never come from a URL: the keychain (GUI), an environment variable (CLI:
// STREAMSCOPE_TLS_KEY_PASSPHRASE, STREAMSCOPE_SSH_KEY_PASSPHRASE) or a prompt.
struct ConnectionSettings {
    enum class Transport { Tcp, Tls, Unix };

    struct HostPort {
        QString host;
        quint16 port = 0;
        QString toString() const; // "host:port", "[::1]:port"
        bool operator==(const HostPort &o) const { return host == o.host && port == o.port; }
    };

    // TLS beyond the system's CA store (which stays the default), as redis-cli's --cacert,
    // --cacertdir, --cert, --key, --sni; --insecure is tlsVerifyPeer = false.
    struct Tls {
        QString caFile;
        QString caDir;
        QString certFile; // a client certificate (PEM), for servers with tls-auth-clients
        QString keyFile;  // its private key (PEM)
        QString keyPassphrase;
        QString sni; // the name to ask for and verify instead of the host
        bool operator==(const Tls &o) const;
    };

    // Through Redis Sentinel: the sentinels to ask for the primary of masterName.
    struct Sentinel {
        QList<HostPort> sentinels; // empty: not through Sentinel
        QString masterName;
        QString user;     // the sentinels' ACL user, when they have one
        QString password; // the sentinels' password (requirepass), when they have one
        bool operator==(const Sentinel &o) const;
    };

    // Through an SSH tunnel: every server address (each cluster node, the sentinels and the
    // primary they name) is reached through a forward from this SSH server.
    struct Ssh {
        QString host; // empty: no tunnel
        quint16 port = 22;
        QString user;           // empty: the local user name
        QString keyFile;        // empty: the SSH agent, then ~/.ssh's default keys
        QString keyPassphrase;  // never stored in a file
        QString knownHostsFile; // empty: ~/.ssh/known_hosts
        bool operator==(const Ssh &o) const;
    };

    Transport transport = Transport::Tcp;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    QString socketPath;
    QString user;     // empty: the "default" user / password-only AUTH
    QString password; // empty: no AUTH
    int db = 0;
    int connectTimeoutMs = 5000;
    int commandTimeoutMs = 5000;
    QString clientName = QStringLiteral("streamscope");
    bool tlsVerifyPeer = true; // false: --insecure / ?insecure
    Tls tls;
    Sentinel sentinel;
    Ssh ssh;
    // No command that changes data leaves the process (enforced by RedisConnection).
    bool readOnly = false;
    // Read-only mode changed in place: every connection made from these settings (or a copy of
    // them) consults this switch before each command, so a window turns read-only on or off
    // without reconnecting. Null: the mode is readOnly, fixed for the connection's life.
    std::shared_ptr<std::atomic<bool>> readOnlySwitch;
    // The mode now: the switch when there is one, else readOnly.
    bool readOnlyNow() const { return readOnlySwitch ? readOnlySwitch->load() : readOnly; }
    // The part of the mode a connection holds itself (the switch is consulted on each command).
    bool fixedReadOnly() const { return readOnly && !readOnlySwitch; }
    // The largest reply accepted (ReplyParser::setMaxReplyBytes); ?max-reply=N[K|M|G] in URLs.
    qint64 maxReplyBytes = qint64(512) * 1024 * 1024;

    static constexpr const char *defaultUrl = "redis://127.0.0.1:6379";

    // Parses a URL. When it carries no password, REDISCLI_AUTH from the environment is used,
    // as redis-cli does. Errors name the part that is wrong.
    static Result<ConnectionSettings> fromUrl(const QString &url);

    // The URL back, without the password (safe to show and to store): a password shows as
    // ":***" when markPassword, otherwise it is left out altogether. It parses back to the same
    // user: a user without a password is written "user:@" ("user@" would be read as a password,
    // as redis-cli reads it).
    QString displayUrl(bool markPassword = true) const;
    // The one redaction of URL text, for anything that shows or logs a URL the user typed (even
    // one that does not parse): the password of "user:password@", "password@" and "?password="
    // becomes "***". Everything else is left as typed.
    static QString redactUrl(const QString &url);
    // Whether the URL text carries a password (it differs from its redaction).
    static bool urlHasPassword(const QString &url) { return redactUrl(url) != url; }
    // "127.0.0.1:6379" or the socket path: for status lines. Through Sentinel:
    // "MASTER via sentinel host:port,host:port".
    QString endpoint() const;

    bool viaSentinel() const { return !sentinel.sentinels.isEmpty(); }
    bool viaSsh() const { return !ssh.host.isEmpty(); }
    // These settings for one server of the deployment (a cluster node, the primary a sentinel
    // named, a sentinel itself): the same credentials, TLS and tunnel, another address.
    ConnectionSettings forServer(const QString &host, quint16 port) const;
    // "host:port" / "[v6]:port" / "host" (port 26379 or 6379 by default): the form --sentinel
    // and URL host lists take.
    static Result<HostPort> parseHostPort(const QString &text, quint16 defaultPort);
    // "[user@]host[:port]", as --ssh takes it.
    static Result<Ssh> parseSsh(const QString &text);

    bool operator==(const ConnectionSettings &o) const;
};

} // namespace streamscope
