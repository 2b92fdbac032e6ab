#pragma once

#include "Error.h"

#include <QString>

namespace streamscope {

// Where and how to connect, parsed from a redis-cli style URL:
//   redis://[[user]:password@]host[:port][/db]
//   rediss://...                         (TLS)
//   unix://[[user]:password@]/path/to/socket[?db=N]
struct ConnectionSettings {
    enum class Transport { Tcp, Tls, Unix };

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
    bool tlsVerifyPeer = true;
    // No command that changes data leaves the process (enforced by RedisConnection).
    bool readOnly = false;
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
    // "127.0.0.1:6379" or the socket path: for status lines.
    QString endpoint() const;

    bool operator==(const ConnectionSettings &o) const;
};

} // namespace streamscope
