#pragma once

// Certificates for TLS tests, made with `openssl` at test time in a temporary directory: a CA
// of our own, server certificates signed by it (for 127.0.0.1/localhost, for another name,
// expired), a self-signed one, a client certificate (RSA, its key also encrypted), and a second,
// unrelated CA with a client certificate of its own (EC).

#include "Error.h"

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

namespace streamscope::test {

class TestCertificates {
public:
    // Makes them all (about a second). The error names the openssl command and its output.
    Error make();

    QString path(const QString &name) const { return m_dir.filePath(name); }
    QString dir() const { return m_dir.path(); }

    // The CA of our own, and a directory holding only it (for --cacertdir, SSL_CERT_DIR).
    QString caCert() const { return path(QStringLiteral("ca.crt")); }
    QString caDir() const { return path(QStringLiteral("cadir")); }
    // For 127.0.0.1 and localhost; one for redis.prod only; one expired on 2025-02-01.
    QString serverCert() const { return path(QStringLiteral("server.crt")); }
    QString serverKey() const { return path(QStringLiteral("server.key")); }
    QString wrongNameCert() const { return path(QStringLiteral("wrong-name.crt")); }
    QString expiredCert() const { return path(QStringLiteral("expired.crt")); }
    // Self-signed, for 127.0.0.1 and localhost (server.key).
    QString selfSignedCert() const { return path(QStringLiteral("self-signed.crt")); }
    // Signed by our CA: RSA; its key also encrypted with passphrase().
    QString clientCert() const { return path(QStringLiteral("client.crt")); }
    QString clientKey() const { return path(QStringLiteral("client.key")); }
    QString clientKeyEncrypted() const { return path(QStringLiteral("client-encrypted.key")); }
    static QString passphrase() { return QStringLiteral("correct horse"); }
    // An unrelated CA, and a client certificate (EC) it signed.
    QString otherCaCert() const { return path(QStringLiteral("other-ca.crt")); }
    QString otherClientCert() const { return path(QStringLiteral("other-client.crt")); }
    QString otherClientKey() const { return path(QStringLiteral("other-client.key")); }

private:
    Error openssl(const QStringList &args);
    Error write(const QString &name, const QByteArray &text);
    Error ecKey(const QString &name);
    // A certificate for key, signed by the CA named by caName ("ca", "other-ca").
    Error sign(const QString &name, const QString &key, const QString &subject,
               const QString &extensions, const QString &caName);

    QTemporaryDir m_dir;
};

} // namespace streamscope::test
