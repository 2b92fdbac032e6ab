#include "RedisConnection.h"

#include "ReplicaRole.h"
#include "SshTunnel.h"

#include <atomic>

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QMutex>
#include <QSet>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>

#include <cerrno>
#include <sys/stat.h>

namespace streamscope {

namespace {
std::atomic<qint64> s_totalCommands{0};

QMutex s_loadMutex;
QHash<QString, RedisConnection::Load> s_loadPerEndpoint; // guarded by s_loadMutex
} // namespace

qint64 RedisConnection::totalCommandsSent() {
    return s_totalCommands.load(std::memory_order_relaxed);
}

QHash<QString, RedisConnection::Load> RedisConnection::loadPerEndpoint() {
    QMutexLocker lock(&s_loadMutex);
    return s_loadPerEndpoint;
}

void RedisConnection::countSent(qint64 commands) {
    m_commandsSent += commands;
    s_totalCommands.fetch_add(commands, std::memory_order_relaxed);
    QMutexLocker lock(&s_loadMutex);
    Load &load = s_loadPerEndpoint[m_settings.endpoint()];
    load.commands += commands;
    load.bytesReceived += m_bytesReceived - m_bytesCounted;
    m_bytesCounted = m_bytesReceived;
}

namespace {

// A server's message to be followed by a full stop of ours: without its own.
QString sentence(QString message) {
    while (message.endsWith(QLatin1Char('.')))
        message.chop(1);
    return message;
}

// How long one wait on the socket may last before we look at the cancel flag again.
constexpr int waitSliceMs = 50;

qint64 deadlineAfter(int ms) {
    return QDateTime::currentMSecsSinceEpoch() + ms;
}

int remaining(qint64 deadline) {
    return int(qMax<qint64>(0, deadline - QDateTime::currentMSecsSinceEpoch()));
}

// --- TLS files, read before connecting -------------------------------------------------------

// "--cacert /x/ca.crt: no such file": the flag (or environment variable) and the file.
Error tlsFileError(const QString &source, const QString &path, const QString &what) {
    return Error(Error::Kind::Tls, QStringLiteral("%1 %2: %3").arg(source, path, what));
}

Result<QByteArray> readTlsFile(const QString &source, const QString &path) {
    const QFileInfo info(path);
    if (!info.exists())
        return tlsFileError(source, path, QStringLiteral("no such file"));
    if (info.isDir())
        return tlsFileError(source, path,
                            source == QLatin1String("--cacert")
                                ? QStringLiteral("is a directory, not a file (use --cacertdir)")
                                : QStringLiteral("is a directory, not a file"));
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return tlsFileError(source, path,
                            QStringLiteral("cannot be read (%1)").arg(file.errorString()));
    return file.readAll();
}

// The PEM certificates of a file, parsed once per version of it (its time and size): a store
// such as /etc/ssl/certs takes a few hundred milliseconds to parse, and a worker reconnects.
Result<QList<QSslCertificate>> cachedCertificates(const QString &source, const QFileInfo &info) {
    struct Parsed {
        QDateTime modified;
        qint64 size = 0;
        QList<QSslCertificate> certificates;
    };
    static QMutex mutex;
    static QHash<QString, Parsed> cache; // guarded by mutex
    const QString path = info.absoluteFilePath();
    {
        QMutexLocker lock(&mutex);
        auto it = cache.constFind(path);
        if (it != cache.cend() && it->modified == info.lastModified() && it->size == info.size())
            return it->certificates;
    }
    auto pem = readTlsFile(source, info.filePath());
    if (!pem.ok())
        return pem.error();
    Parsed parsed{info.lastModified(), info.size(),
                  QSslCertificate::fromData(pem.value(), QSsl::Pem)};
    QMutexLocker lock(&mutex);
    cache.insert(path, parsed);
    return parsed.certificates;
}

Result<QList<QSslCertificate>> readCertificates(const QString &source, const QString &path) {
    const QFileInfo info(path);
    if (!info.exists() || info.isDir())
        return readTlsFile(source, path).error(); // says which
    auto certificates = cachedCertificates(source, info);
    if (certificates.ok() && certificates->isEmpty())
        return tlsFileError(source, path, QStringLiteral("is not a PEM certificate"));
    return certificates;
}

// Every PEM certificate of a directory, as OpenSSL's -CApath reads it (hashed names or not).
Result<QList<QSslCertificate>> readCertificateDir(const QString &source, const QString &path) {
    const QFileInfo info(path);
    if (!info.exists())
        return tlsFileError(source, path, QStringLiteral("no such directory"));
    if (!info.isDir())
        return tlsFileError(source, path,
                            source == QLatin1String("--cacertdir")
                                ? QStringLiteral("is not a directory (use --cacert for a file)")
                                : QStringLiteral("is not a directory"));
    QList<QSslCertificate> all;
    for (const QFileInfo &entry : QDir(path).entryInfoList(QDir::Files, QDir::Name)) {
        // As OpenSSL: a file it cannot read is not a certificate of the directory.
        auto certificates = cachedCertificates(source, entry);
        if (certificates.ok())
            all << certificates.value();
    }
    if (all.isEmpty())
        return tlsFileError(source, path, QStringLiteral("holds no PEM certificate"));
    return all;
}

// Each certificate once (a hashed directory links each under two names; a bundle and a
// directory often hold the same), in order.
QList<QSslCertificate> distinct(const QList<QSslCertificate> &certificates) {
    QSet<QSslCertificate> seen;
    QList<QSslCertificate> out;
    for (const QSslCertificate &c : certificates)
        if (!seen.contains(c)) {
            seen.insert(c);
            out << c;
        }
    return out;
}

Result<QSslKey> readPrivateKey(const QString &path, const QString &passphrase) {
    const QString source = QStringLiteral("--key");
    auto pem = readTlsFile(source, path);
    if (!pem.ok())
        return pem.error();
    if (!pem->contains("PRIVATE KEY-----"))
        return tlsFileError(source, path, QStringLiteral("is not a PEM private key"));
    // "BEGIN ENCRYPTED PRIVATE KEY" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (traditional).
    const bool encrypted = pem->contains("ENCRYPTED");
    if (encrypted && passphrase.isEmpty())
        return tlsFileError(source, path,
                            QStringLiteral("the key is encrypted: give its passphrase in "
                                           "STREAMSCOPE_TLS_KEY_PASSPHRASE"));
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        QSslKey key(pem.value(), algorithm, QSsl::Pem, QSsl::PrivateKey, passphrase.toUtf8());
        if (!key.isNull())
            return key;
    }
    return tlsFileError(source, path,
                        encrypted ? QStringLiteral("wrong passphrase or not a private key (give "
                                                   "it in STREAMSCOPE_TLS_KEY_PASSPHRASE)")
                                  : QStringLiteral("is not an RSA or EC private key"));
}

// Whether a private key is the one of a certificate's public key. Qt has no call for it: the
// DER of an RSA private key (PKCS#1) holds the modulus and exponent that end the public key's
// DER, and an EC private key (SEC1) the public point that ends it.
bool keyMatches(const QSslKey &key, const QSslCertificate &certificate) {
    const QSslKey publicKey = certificate.publicKey();
    if (publicKey.algorithm() != key.algorithm())
        return false;
    if (key.algorithm() != QSsl::Rsa && key.algorithm() != QSsl::Ec)
        return true; // cannot tell here: the handshake will
    return key.toDer().contains(publicKey.toDer().right(32));
}

QString isoDate(const QDateTime &time) {
    return time.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
}

// The names a certificate is for: its subject alternative names, else its common name.
QString certificateNames(const QSslCertificate &certificate) {
    QStringList names;
    const auto alternatives = certificate.subjectAlternativeNames();
    for (auto it = alternatives.cbegin(); it != alternatives.cend(); ++it)
        if (it.key() == QSsl::DnsEntry || it.key() == QSsl::IpAddressEntry)
            names << it.value();
    if (names.isEmpty())
        names = certificate.subjectInfo(QSslCertificate::CommonName);
    return names.isEmpty() ? QStringLiteral("no name") : names.join(QStringLiteral(", "));
}

QString issuerName(const QSslCertificate &certificate) {
    const QStringList cn = certificate.issuerInfo(QSslCertificate::CommonName);
    return cn.isEmpty() ? certificate.issuerDisplayName() : cn.join(QStringLiteral(", "));
}

// One certificate verification error in words that say what to do.
// tls: what the user gave (a CA of their own, a server name), for advice that fits it.
QString describeSslError(const QSslError &error, const QString &verifyName,
                         const ConnectionSettings::Tls &tls) {
    QStringList given;
    if (!tls.caFile.isEmpty())
        given << QStringLiteral("--cacert ") + tls.caFile;
    if (!tls.caDir.isEmpty())
        given << QStringLiteral("--cacertdir ") + tls.caDir;
    const QString caGiven = given.join(QStringLiteral(" or "));
    const bool sniGiven = !tls.sni.isEmpty();
    const QSslCertificate c = error.certificate();
    switch (error.error()) {
    case QSslError::HostNameMismatch:
        if (sniGiven)
            return QStringLiteral("the certificate is for %1, not %2 (the name given with "
                                  "--sni): give one of its names with --sni")
                .arg(certificateNames(c), verifyName);
        return QStringLiteral("the certificate is for %1, not %2: use --sni or the right host "
                              "name")
            .arg(certificateNames(c), verifyName);
    case QSslError::CertificateExpired:
        return QStringLiteral("the server's certificate expired on %1: the server needs a new "
                              "one (or --insecure to connect anyway)")
            .arg(isoDate(c.expiryDate()));
    case QSslError::CertificateNotYetValid:
        return QStringLiteral("the server's certificate is valid only from %1: check the clocks "
                              "here and on the server")
            .arg(isoDate(c.effectiveDate()));
    case QSslError::SelfSignedCertificate:
        return QStringLiteral("the server's certificate (%1) is self-signed: trust it with "
                              "--cacert FILE holding that certificate, or --insecure")
            .arg(certificateNames(c));
    case QSslError::SelfSignedCertificateInChain:
    case QSslError::UnableToGetIssuerCertificate:
    case QSslError::UnableToGetLocalIssuerCertificate:
    case QSslError::UnableToVerifyFirstCertificate:
    case QSslError::CertificateUntrusted:
        if (!caGiven.isEmpty())
            return QStringLiteral("the server's certificate is signed by %1, which %2 does not "
                                  "hold: give the CA that signed it")
                .arg(issuerName(c), caGiven);
        return QStringLiteral("the server's certificate is signed by an unknown CA (%1): give "
                              "it with --cacert (or --cacertdir)")
            .arg(issuerName(c));
    case QSslError::CertificateRevoked:
        return QStringLiteral("the server's certificate was revoked");
    case QSslError::NoPeerCertificate:
        return QStringLiteral("the server sent no certificate");
    default:
        return QStringLiteral("the server's certificate was refused: %1").arg(error.errorString());
    }
}

// A TLS alert from the server, as OpenSSL names it in an error string ("... tlsv13 alert
// certificate required"): empty when there is none.
QString tlsAlert(const QString &text) {
    const qsizetype at = text.indexOf(QLatin1String(" alert "));
    return at < 0 ? QString() : text.mid(at + 7).trimmed();
}

} // namespace

Result<QSslConfiguration> RedisConnection::tlsConfiguration(const ConnectionSettings &settings) {
    const ConnectionSettings::Tls &tls = settings.tls;
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setPeerVerifyMode(settings.tlsVerifyPeer ? QSslSocket::VerifyPeer
                                                    : QSslSocket::VerifyNone);

    // SSL_CERT_FILE and SSL_CERT_DIR replace the system's store, as OpenSSL (and redis-cli)
    // take them.
    QList<QSslCertificate> store;
    // Without verification (--insecure) there is no use for them, nor with CAs of our own.
    const bool useEnvironment =
        settings.tlsVerifyPeer && tls.caFile.isEmpty() && tls.caDir.isEmpty();
    const QString envFile = useEnvironment ? qEnvironmentVariable("SSL_CERT_FILE") : QString();
    const QString envDir = useEnvironment ? qEnvironmentVariable("SSL_CERT_DIR") : QString();
    if (!envFile.isEmpty()) {
        auto read = readCertificates(QStringLiteral("SSL_CERT_FILE"), envFile);
        if (!read.ok())
            return read.error();
        store << read.value();
    }
    // A list of directories, separated as in PATH.
    for (const QString &dir : envDir.split(QLatin1Char(':'), Qt::SkipEmptyParts)) {
        auto read = readCertificateDir(QStringLiteral("SSL_CERT_DIR"), dir);
        if (!read.ok())
            return read.error();
        store << read.value();
    }
    const bool fromEnvironment = !envFile.isEmpty() || !envDir.isEmpty();
    QList<QSslCertificate> given;
    if (!tls.caFile.isEmpty()) {
        auto read = readCertificates(QStringLiteral("--cacert"), tls.caFile);
        if (!read.ok())
            return read.error();
        given << read.value();
    }
    if (!tls.caDir.isEmpty()) {
        auto read = readCertificateDir(QStringLiteral("--cacertdir"), tls.caDir);
        if (!read.ok())
            return read.error();
        given << read.value();
    }
    // As redis-cli: --cacert/--cacertdir are the CAs trusted (the system's and the
    // environment's are not asked then: a private CA is pinned, and parsing the system store
    // costs a one-shot command about 0.15 s); else SSL_CERT_FILE/SSL_CERT_DIR replace the
    // system store; else Qt loads the system store on demand.
    if (!given.isEmpty())
        config.setCaCertificates(distinct(given));
    else if (fromEnvironment)
        config.setCaCertificates(distinct(store));

    if (!tls.certFile.isEmpty() || !tls.keyFile.isEmpty()) {
        if (tls.certFile.isEmpty() || tls.keyFile.isEmpty())
            return Error(Error::Kind::Tls,
                         QStringLiteral("%1: a client certificate needs both --cert FILE and "
                                        "--key FILE")
                             .arg(tls.certFile.isEmpty() ? QStringLiteral("--key")
                                                         : QStringLiteral("--cert")));
        auto chain = readCertificates(QStringLiteral("--cert"), tls.certFile);
        if (!chain.ok())
            return chain.error();
        if (chain->first().expiryDate() < QDateTime::currentDateTimeUtc())
            return tlsFileError(QStringLiteral("--cert"), tls.certFile,
                                QStringLiteral("the client certificate expired on %1")
                                    .arg(isoDate(chain->first().expiryDate())));
        auto key = readPrivateKey(tls.keyFile, tls.keyPassphrase);
        if (!key.ok())
            return key.error();
        if (!keyMatches(key.value(), chain->first()))
            return Error(Error::Kind::Tls,
                         QStringLiteral("--cert %1 and --key %2 do not match: the key is not the "
                                        "certificate's")
                             .arg(tls.certFile, tls.keyFile));
        config.setLocalCertificateChain(chain.value());
        config.setPrivateKey(key.value());
    }
    return config;
}

Error RedisConnection::tlsFailure(const QSslSocket &ssl) {
    const QString verifyName = m_settings.tls.sni.isEmpty() ? m_settings.host : m_settings.tls.sni;
    QStringList problems;
    for (const QSslError &error : ssl.sslHandshakeErrors()) {
        const QString problem = describeSslError(error, verifyName, m_settings.tls);
        if (!problems.contains(problem))
            problems << problem;
    }
    if (!problems.isEmpty())
        return Error(Error::Kind::Tls,
                     QStringLiteral("TLS with %1: %2")
                         .arg(m_settings.endpoint(), problems.join(QStringLiteral("; "))));
    const QString text = ssl.errorString();
    if (ssl.error() == QAbstractSocket::SslInvalidUserDataError
        || text.contains(QLatin1String("init SSL Context")))
        // Qt sets up the TLS context (with our certificate and key) before anything is sent.
        return Error(Error::Kind::Tls,
                     QStringLiteral("TLS could not be set up%1: %2")
                         .arg(m_settings.tls.certFile.isEmpty()
                                  ? QString()
                                  : QStringLiteral(" with --cert %1 and --key %2")
                                        .arg(m_settings.tls.certFile, m_settings.tls.keyFile),
                              text));
    if (text.contains(QLatin1String("wrong version number"))
        || text.contains(QLatin1String("packet length too long")))
        return Error(Error::Kind::Tls, QStringLiteral("the server at %1 does not speak TLS: use "
                                                      "redis:// without --tls (%2)")
                                           .arg(m_settings.endpoint(), text));
    if (!tlsAlert(text).isEmpty()) // the server refused us (our client certificate?)
        if (Error e = explainFirstFailure(Error(Error::Kind::Io, text)); e.kind == Error::Kind::Tls)
            return e;
    return Error(
        Error::Kind::Connect,
        QStringLiteral("TLS handshake with %1 failed: %2").arg(m_settings.endpoint(), text));
}

Error RedisConnection::explainFirstFailure(const Error &error) {
    if (error.kind != Error::Kind::Io)
        return error;
    const QString &text = error.message;
    const QString endpoint = m_settings.endpoint();
    const bool sentCertificate = !m_settings.tls.certFile.isEmpty();
    const QString alert = tlsAlert(text);
    const bool closedSilently = alert.isEmpty() && m_bytesReceived == m_bytesAtOpen
                                && text.contains(QLatin1String("closed"));
    if (m_settings.transport == ConnectionSettings::Transport::Tls) {
        // A server checks a client certificate after the client finished its side of the
        // handshake (TLS 1.3): the refusal is an alert with the first reply, or (as redis does)
        // the connection closed at once.
        const QString why = alert.isEmpty() ? text : QStringLiteral("TLS alert: ") + alert;
        m_refusalGuessed = alert.isEmpty();
        if (!sentCertificate
            && (alert.contains(QLatin1String("certificate required"))
                || alert.contains(QLatin1String("handshake failure")) || closedSilently))
            return Error(Error::Kind::Tls,
                         QStringLiteral("the server at %1 requires a client certificate: give "
                                        "--cert and --key (%2)")
                             .arg(endpoint, why));
        if (sentCertificate && alert.contains(QLatin1String("expired")))
            return Error(Error::Kind::Tls,
                         QStringLiteral("the server at %1 rejected our client certificate %2: "
                                        "it has expired (%3)")
                             .arg(endpoint, m_settings.tls.certFile, why));
        if (sentCertificate && (!alert.isEmpty() || closedSilently))
            return Error(Error::Kind::Tls,
                         QStringLiteral("the server at %1 rejected our client certificate %2 (not "
                                        "signed by a CA it trusts): give one signed by a CA in "
                                        "its tls-ca-cert-file (%3)")
                             .arg(endpoint, m_settings.tls.certFile, why));
        m_refusalGuessed = false;
        return error;
    }
    // A TLS port drops a plain client without a word; a Redis port always answers (through SSH
    // a silent close is the tunnel's: its target unreachable).
    if (m_settings.transport == ConnectionSettings::Transport::Tcp && closedSilently
        && !m_settings.viaSsh())
        return Error(Error::Kind::Connect,
                     QStringLiteral("the server at %1 closed the connection without a reply: it "
                                    "seems to expect TLS: use rediss:// or --tls (%2)")
                         .arg(endpoint, text));
    return error;
}

RedisConnection::RedisConnection(ConnectionSettings settings)
    : m_settings(std::move(settings))
    , m_readBuffer(256 * 1024)
    , m_readOnly(m_settings.fixedReadOnly()) {
    m_parser.setMaxReplyBytes(m_settings.maxReplyBytes);
}

RedisConnection::~RedisConnection() {
    close();
}

bool RedisConnection::isOpen() const {
    return m_device && transportConnected();
}

bool RedisConnection::transportConnected() const {
    if (auto *local = qobject_cast<QLocalSocket *>(m_device.get()))
        return local->state() == QLocalSocket::ConnectedState;
    if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.get()))
        return socket->state() == QAbstractSocket::ConnectedState;
    return false;
}

void RedisConnection::close() {
    if (!m_device)
        return;
    if (auto *local = qobject_cast<QLocalSocket *>(m_device.get()))
        local->abort();
    else if (auto *socket = qobject_cast<QAbstractSocket *>(m_device.get()))
        socket->abort();
    m_device.reset();
    m_parser.reset();
}

Error RedisConnection::fail(Error error) {
    close();
    return error;
}

Error RedisConnection::open() {
    Error e = openOnce();
    // A TLS connection closed without a word right after the handshake reads as a refusal of
    // our client certificate (or its absence), which is final: once more, so that a server
    // that closed by chance (a restart) is not reported as one.
    if (e.kind == Error::Kind::Tls && m_refusalGuessed)
        e = openOnce();
    return e;
}

Error RedisConnection::openOnce() {
    close();
    m_readOnlyPrimary.clear(); // another server, or the same one in another role
    m_refusalGuessed = false;
    m_bytesAtOpen = m_bytesReceived;
    if (Error e = connectTransport())
        return fail(e);
    if (Error e = handshake())
        return fail(e);
    return {};
}

Error RedisConnection::connectTransport() {
    const int timeout = m_settings.connectTimeoutMs;
    QElapsedTimer clock;
    clock.start();
    auto waitConnected = [&](auto *socket, auto connectedState, auto unconnectedState) -> Error {
        while (socket->state() != connectedState) {
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            if (clock.elapsed() >= timeout)
                return Error(Error::Kind::Timeout,
                             QStringLiteral("could not connect to %1 within %2 ms: is the server "
                                            "running and reachable?")
                                 .arg(m_settings.endpoint())
                                 .arg(timeout));
            if (!socket->waitForConnected(qMin<int>(waitSliceMs, timeout))
                && socket->state() == unconnectedState)
                return Error(Error::Kind::Connect,
                             QStringLiteral("could not connect to %1: %2")
                                 .arg(m_settings.endpoint(), socket->errorString()));
        }
        return {};
    };

    // Through SSH, every server is reached at a local forward; names (TLS verification,
    // messages) stay the server's own.
    QString host = m_settings.host;
    quint16 port = m_settings.port;
    if (m_settings.viaSsh() && m_settings.transport != ConnectionSettings::Transport::Unix) {
        auto forward =
            sshLocalForward(m_settings.ssh, m_settings.host, m_settings.port, timeout, m_cancel);
        if (!forward.ok())
            return forward.error();
        host = forward->host;
        port = forward->port;
    }

    switch (m_settings.transport) {
    case ConnectionSettings::Transport::Unix: {
        auto *local = new QLocalSocket;
        m_device.reset(local);
        // QLocalSocket takes a name without a slash as one in /tmp; redis-cli -s takes it as a
        // path from here.
        local->connectToServer(QFileInfo(m_settings.socketPath).absoluteFilePath());
        Error e =
            waitConnected(local, QLocalSocket::ConnectedState, QLocalSocket::UnconnectedState);
        if (e.kind == Error::Kind::Connect)
            return unixSocketFailure(int(local->error()), local->errorString());
        return e;
    }
    case ConnectionSettings::Transport::Tcp: {
        auto *tcp = new QTcpSocket;
        m_device.reset(tcp);
        tcp->connectToHost(host, port);
        if (Error e = waitConnected(tcp, QAbstractSocket::ConnectedState,
                                    QAbstractSocket::UnconnectedState))
            return e;
        tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
        tcp->setSocketOption(QAbstractSocket::KeepAliveOption, 1);
        return {};
    }
    case ConnectionSettings::Transport::Tls: {
        if (!QSslSocket::supportsSsl())
            return Error(Error::Kind::Connect,
                         QStringLiteral("rediss:// needs TLS, but Qt has no TLS backend here "
                                        "(install libssl3)"));
        auto config = tlsConfiguration(m_settings);
        if (!config.ok())
            return config.error();
        auto *ssl = new QSslSocket;
        m_device.reset(ssl);
        ssl->setSslConfiguration(config.value());
        // The name asked for (SNI) and verified: --sni, else the host we were given (through
        // SSH too, where we connect to a local forward).
        ssl->connectToHostEncrypted(
            host, port, m_settings.tls.sni.isEmpty() ? m_settings.host : m_settings.tls.sni);
        if (Error e = waitConnected(ssl, QAbstractSocket::ConnectedState,
                                    QAbstractSocket::UnconnectedState)) {
            const auto why = ssl->error();
            if (e.kind == Error::Kind::Connect
                && (why == QAbstractSocket::SslHandshakeFailedError
                    || why == QAbstractSocket::SslInvalidUserDataError
                    || why == QAbstractSocket::SslInternalError))
                return tlsFailure(*ssl);
            return e;
        }
        while (!ssl->isEncrypted()) {
            if (cancelled())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            // Qt keeps the socket connected when it cannot set up TLS (a key that is not the
            // certificate's): nothing would ever happen.
            if (ssl->state() != QAbstractSocket::ConnectedState
                || ssl->error() == QAbstractSocket::SslInvalidUserDataError
                || ssl->error() == QAbstractSocket::SslInternalError)
                return tlsFailure(*ssl);
            if (clock.elapsed() >= timeout)
                // A Redis port reads a ClientHello as the start of a command and waits for the
                // rest: no TLS server leaves one unanswered.
                return Error(Error::Kind::Timeout,
                             QStringLiteral("the TLS handshake with %1 did not finish within %2 "
                                            "ms: the server at %1 does not seem to speak TLS "
                                            "(use redis:// without --tls), or it is overloaded")
                                 .arg(m_settings.endpoint())
                                 .arg(timeout));
            ssl->waitForEncrypted(waitSliceMs);
        }
        return {};
    }
    }
    return Error(Error::Kind::Connect, QStringLiteral("unknown transport"));
}

Error RedisConnection::handshake() {
    QList<Command> commands;
    // A user without a password authenticates too, with an empty one: that is how a nopass ACL
    // user becomes itself (sending nothing, as redis-cli does, would connect as "default").
    const bool withAuth = !m_settings.password.isEmpty() || !m_settings.user.isEmpty();
    if (withAuth) {
        if (m_settings.user.isEmpty())
            commands.append({"AUTH", m_settings.password.toUtf8()});
        else
            commands.append({"AUTH", m_settings.user.toUtf8(), m_settings.password.toUtf8()});
    }
    const bool withSelect = m_settings.db != 0;
    if (withSelect)
        commands.append({"SELECT", QByteArray::number(m_settings.db)});
    commands.append({"CLIENT", "SETNAME", m_settings.clientName.toUtf8()});

    auto replies = pipeline(commands, m_settings.connectTimeoutMs);
    if (!replies.ok())
        return explainFirstFailure(replies.error());
    auto next = replies.value().cbegin();

    if (withAuth) {
        const RedisReply &auth = *next++;
        // A password given to a server that needs none is harmless (redis-cli only warns).
        if (auth.isError() && !auth.errorMessage().contains(QLatin1String("without any password"))
            && m_settings.password.isEmpty())
            return Error(
                Error::Kind::Auth,
                QStringLiteral("authentication as %1 at %3 without a password failed: "
                               "%2. Unless the user is a nopass user, give its "
                               "password: redis://%1:PASSWORD@host:port or "
                               "REDISCLI_AUTH.")
                    .arg(m_settings.user, sentence(auth.errorMessage()), m_settings.endpoint()));
        if (auth.isError() && !auth.errorMessage().contains(QLatin1String("without any password")))
            return Error(Error::Kind::Auth,
                         QStringLiteral("authentication as %1 at %3 failed: %2. Check the user "
                                        "and password in the URL or REDISCLI_AUTH.")
                             .arg(m_settings.user.isEmpty() ? QStringLiteral("the default user")
                                                            : m_settings.user,
                                  sentence(auth.errorMessage()), m_settings.endpoint()));
    }
    auto needsPassword = [this](const RedisReply &reply) {
        return reply.errorCode() == "NOAUTH"
                   ? Error(Error::Kind::Auth,
                           QStringLiteral("the server at %1 requires a password: put it in the "
                                          "URL (redis://user:password@host:port) or in "
                                          "REDISCLI_AUTH")
                               .arg(m_settings.endpoint()))
                   : Error();
    };
    if (withSelect) {
        const RedisReply &select = *next++;
        if (Error e = needsPassword(select))
            return e;
        if (select.isError())
            return Error(Error::Kind::Server, QStringLiteral("selecting database %1 failed: %2")
                                                  .arg(m_settings.db)
                                                  .arg(select.errorMessage()));
    }
    // A restricted ACL user may not be allowed to name itself: that must not stop it working.
    return needsPassword(*next);
}

Error RedisConnection::unixSocketFailure(int qtError, const QString &qtMessage) const {
    const QString path = QFileInfo(m_settings.socketPath).absoluteFilePath();
    // Qt's words for these ("Invalid name", "Socket access error") hide the cause: look.
    struct stat info {};
    if (::stat(QFile::encodeName(path).constData(), &info) != 0) {
        const int why = errno;
        if (why == EACCES)
            return Error(Error::Kind::Connect,
                         QStringLiteral("permission denied on %1: a directory on the way may not "
                                        "be entered by this user")
                             .arg(path));
        return Error(Error::Kind::Connect,
                     QStringLiteral("no socket at %1: is the server running, with this "
                                    "unixsocket path?")
                         .arg(path));
    }
    if (!S_ISSOCK(info.st_mode))
        return Error(
            Error::Kind::Connect,
            QStringLiteral("%1 is not a socket: give the server's unixsocket path").arg(path));
    switch (QLocalSocket::LocalSocketError(qtError)) {
    case QLocalSocket::SocketAccessError:
        return Error(Error::Kind::Connect,
                     QStringLiteral("permission denied on %1: this user may not write to the "
                                    "socket (the server's unixsocketperm)")
                         .arg(path));
    case QLocalSocket::ConnectionRefusedError:
    case QLocalSocket::ServerNotFoundError:
        return Error(Error::Kind::Connect,
                     QStringLiteral("nothing listens on %1: the socket file was left behind by a "
                                    "server that stopped, or the server is not running")
                         .arg(path));
    default:
        return Error(Error::Kind::Connect,
                     QStringLiteral("could not connect to %1: %2").arg(path, qtMessage));
    }
}

Result<RedisReply> RedisConnection::command(const Command &args, int timeoutMs) {
    auto replies = pipeline({args}, timeoutMs);
    if (!replies.ok())
        return replies.error();
    return std::move(replies.value().front());
}

bool RedisConnection::isReadOnlyCommand(const Command &command) {
    if (command.isEmpty())
        return true;
    // Commands that change no data (the console may send any of them in read-only mode), and
    // the ones the product itself sends to learn the deployment (ROLE, CLUSTER SHARDS, ASKING,
    // SENTINEL's questions, ACL DRYRUN): read-only mode, switched on in place, must let those
    // through too.
    static const QSet<QByteArray> reads{"PING",
                                        "ECHO",
                                        "AUTH",
                                        "HELLO",
                                        "SELECT",
                                        "INFO",
                                        "SCAN",
                                        "TYPE",
                                        "EXISTS",
                                        "XLEN",
                                        "XRANGE",
                                        "XREVRANGE",
                                        "XREAD",
                                        "XINFO",
                                        "XPENDING",
                                        "TIME",
                                        "DBSIZE",
                                        "MULTI",
                                        "EXEC",
                                        "DISCARD",
                                        "ROLE",
                                        "ASKING",
                                        "READONLY",
                                        "READWRITE",
                                        "COMMAND",
                                        "GET",
                                        "MGET",
                                        "STRLEN",
                                        "GETRANGE",
                                        "SUBSTR",
                                        "HGET",
                                        "HGETALL",
                                        "HKEYS",
                                        "HVALS",
                                        "HLEN",
                                        "HMGET",
                                        "HEXISTS",
                                        "HSCAN",
                                        "HSTRLEN",
                                        "HRANDFIELD",
                                        "LRANGE",
                                        "LLEN",
                                        "LINDEX",
                                        "LPOS",
                                        "SMEMBERS",
                                        "SCARD",
                                        "SISMEMBER",
                                        "SMISMEMBER",
                                        "SSCAN",
                                        "SRANDMEMBER",
                                        "SINTER",
                                        "SUNION",
                                        "SDIFF",
                                        "SINTERCARD",
                                        "ZRANGE",
                                        "ZCARD",
                                        "ZSCORE",
                                        "ZMSCORE",
                                        "ZRANK",
                                        "ZREVRANK",
                                        "ZRANGEBYSCORE",
                                        "ZREVRANGE",
                                        "ZREVRANGEBYSCORE",
                                        "ZRANGEBYLEX",
                                        "ZREVRANGEBYLEX",
                                        "ZCOUNT",
                                        "ZLEXCOUNT",
                                        "ZSCAN",
                                        "ZRANDMEMBER",
                                        "TTL",
                                        "PTTL",
                                        "EXPIRETIME",
                                        "PEXPIRETIME",
                                        "BITCOUNT",
                                        "GETBIT",
                                        "BITPOS",
                                        "KEYS",
                                        "RANDOMKEY",
                                        "DUMP",
                                        "LASTSAVE",
                                        "LOLWUT",
                                        "PUBSUB",
                                        "GEOPOS",
                                        "GEODIST",
                                        "GEOHASH",
                                        "GEOSEARCH",
                                        "TOUCH"};
    const QByteArray name = command.first().toUpper();
    const QByteArray sub = command.size() > 1 ? command.at(1).toUpper() : QByteArray();
    if (name == "CLIENT") {
        static const QSet<QByteArray> client{"SETNAME", "GETNAME", "ID", "INFO", "LIST"};
        return client.contains(sub);
    }
    // Subcommands that only read: the rest of these commands change the server.
    static const QHash<QByteArray, QSet<QByteArray>> readSubcommands{
        {"CLUSTER",
         {"SHARDS", "SLOTS", "MYID", "NODES", "INFO", "KEYSLOT", "COUNTKEYSINSLOT", "GETKEYSINSLOT",
          "REPLICAS", "SLAVES", "LINKS", "MYSHARDID"}},
        {"ACL", {"DRYRUN", "WHOAMI", "CAT", "GETUSER", "LIST", "USERS"}},
        {"SENTINEL",
         {"MASTERS", "MASTER", "GET-MASTER-ADDR-BY-NAME", "REPLICAS", "SLAVES", "SENTINELS", "MYID",
          "CKQUORUM", "INFO-CACHE", "PENDING-SCRIPTS"}},
        {"OBJECT", {"ENCODING", "FREQ", "IDLETIME", "REFCOUNT", "HELP"}},
        {"MEMORY", {"USAGE", "STATS", "DOCTOR", "MALLOC-STATS", "HELP"}},
        {"SLOWLOG", {"GET", "LEN", "HELP"}},
        {"LATENCY", {"LATEST", "HISTORY", "DOCTOR", "GRAPH", "HISTOGRAM", "HELP"}},
        {"CONFIG", {"GET", "HELP"}},
        {"XINFO", {"STREAM", "GROUPS", "CONSUMERS", "HELP"}},
    };
    if (name == "ACL" && sub == "LOG") // ACL LOG RESET clears the log
        return command.size() < 3 || command.at(2).toUpper() != "RESET";
    if (const auto it = readSubcommands.constFind(name); it != readSubcommands.cend())
        return it->contains(sub);
    return reads.contains(name);
}

Error RedisConnection::refuseWrites(const QList<Command> &commands) const {
    if (!m_readOnly && !(m_settings.readOnlySwitch && m_settings.readOnlySwitch->load()))
        return {};
    for (const Command &c : commands)
        if (!isReadOnlyCommand(c))
            return Error(Error::Kind::ReadOnly,
                         QStringLiteral("read-only mode: %1 would change data on %2, so it was "
                                        "not sent. Turn read-only mode off to do this.")
                             .arg(QString::fromUtf8(c.first().toUpper()), m_settings.endpoint()));
    return {};
}

void RedisConnection::explainReadOnly(RedisReply *reply) {
    // "READONLY You can't write against a read only replica." tells neither what the server is
    // nor where to write: say both, for every write of the GUI and the CLI. The code stays
    // READONLY: clients that follow failovers look for it.
    if (reply->errorCode() != "READONLY")
        return;
    QString why;
    if (m_readOnlyPrimary.isEmpty()) {
        auto info = pipeline({{"INFO", "replication"}});
        const ReplicationState state = info.ok() && !info->front().isError()
                                           ? ReplicationState::fromInfo(info->front().bytes())
                                           : ReplicationState();
        m_readOnlyPrimary = state.primaryEndpoint();
        why = !info.ok()                          ? info.error().message
              : info->front().isError()           ? info->front().errorMessage()
              : state.role == ServerRole::Primary ? QStringLiteral("it answers as a primary now: "
                                                                   "try again")
                                                  : QString();
    }
    *reply =
        RedisReply::error("READONLY " + readOnlyReplicaMessage(m_readOnlyPrimary, why).toUtf8());
}

Result<RedisReply> RedisConnection::commandEntries(const Command &args, int entriesDepth,
                                                   StreamEntryList *out, int timeoutMs,
                                                   const QByteArray &stream) {
    auto deadline = sendAll({args}, timeoutMs);
    if (!deadline.ok())
        return deadline.error();
    auto reply = receiveEntriesBy(deadline.value(), entriesDepth, out, stream);
    if (reply.ok())
        explainReadOnly(&reply.value());
    return reply;
}

Result<qint64> RedisConnection::sendAll(const QList<Command> &commands, int timeoutMs) {
    if (Error e = refuseWrites(commands))
        return e;
    if (!isOpen())
        return Error(Error::Kind::Io,
                     QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
    const qint64 deadline = deadlineAfter(timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs);
    QByteArray payload;
    for (const Command &c : commands)
        payload += ReplyParser::formatCommand(c);
    if (Error e = send(payload, deadline))
        return fail(e);
    countSent(commands.size());
    return deadline;
}

Result<RedisReply> RedisConnection::receiveEntriesBy(qint64 deadline, int entriesDepth,
                                                     StreamEntryList *out,
                                                     const QByteArray &stream) {
    // The parser takes one reply at a time from what was received: the mode holds for this one.
    m_parser.expectEntries(out, entriesDepth, stream);
    auto reply = receive(deadline);
    if (!reply.ok())
        return fail(reply.error()); // closing resets the parser, which drops partial entries
    return reply;
}

Error RedisConnection::sendCommands(const QList<Command> &commands, int timeoutMs) {
    auto deadline = sendAll(commands, timeoutMs);
    return deadline.ok() ? Error() : deadline.error();
}

Result<RedisReply> RedisConnection::receiveEntries(int entriesDepth, StreamEntryList *out,
                                                   int timeoutMs, const QByteArray &stream) {
    if (!isOpen())
        return Error(Error::Kind::Io,
                     QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
    return receiveEntriesBy(deadlineAfter(timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs),
                            entriesDepth, out, stream);
}

Result<ReplyParser::EntriesScan> RedisConnection::peekEntries(int entriesDepth, int timeoutMs) {
    if (!isOpen())
        return Error(Error::Kind::Io,
                     QStringLiteral("not connected to %1").arg(m_settings.endpoint()));
    const qint64 deadline = deadlineAfter(timeoutMs < 0 ? m_settings.commandTimeoutMs : timeoutMs);
    for (;;) {
        auto scan = m_parser.scanEntries(entriesDepth);
        if (!scan.ok())
            return fail(scan.error());
        if (scan.value())
            return std::move(*scan.value());
        if (Error e = readMore(deadline))
            return fail(e);
    }
}

Error RedisConnection::readMore(qint64 deadline) {
    for (;;) {
        const qint64 n = m_device->read(m_readBuffer.data(), qint64(m_readBuffer.size()));
        if (n > 0) {
            m_bytesReceived += n;
            m_parser.feed(m_readBuffer.data(), n);
            return {};
        }
        if (n < 0 || !transportConnected())
            return Error(Error::Kind::Io, QStringLiteral("connection to %1 lost: %2")
                                              .arg(m_settings.endpoint(), m_device->errorString()));
        if (cancelled())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        const int left = remaining(deadline);
        if (left == 0)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("%1 did not answer in time").arg(m_settings.endpoint()));
        m_device->waitForReadyRead(qMin(waitSliceMs, left));
    }
}

Result<std::vector<RedisReply>> RedisConnection::pipeline(const QList<Command> &commands,
                                                          int timeoutMs) {
    auto sent = sendAll(commands, timeoutMs);
    if (!sent.ok())
        return sent.error();
    const qint64 deadline = sent.value();

    std::vector<RedisReply> replies;
    replies.reserve(size_t(commands.size()));
    for (qsizetype i = 0; i < commands.size(); ++i) {
        auto reply = receive(deadline);
        if (!reply.ok())
            return fail(reply.error());
        replies.push_back(std::move(reply).value());
    }
    for (RedisReply &reply : replies) // once every reply is in: the lookup uses the connection
        explainReadOnly(&reply);
    return replies;
}

Error RedisConnection::send(const QByteArray &payload, qint64 deadline) {
    if (m_device->write(payload) != payload.size())
        return Error(Error::Kind::Io, QStringLiteral("writing to %1 failed: %2")
                                          .arg(m_settings.endpoint(), m_device->errorString()));
    while (m_device->bytesToWrite() > 0) {
        if (cancelled())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        if (!transportConnected())
            return Error(Error::Kind::Io, QStringLiteral("connection to %1 lost: %2")
                                              .arg(m_settings.endpoint(), m_device->errorString()));
        if (remaining(deadline) == 0)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("timed out sending to %1").arg(m_settings.endpoint()));
        m_device->waitForBytesWritten(qMin(waitSliceMs, remaining(deadline)));
    }
    return {};
}

Result<RedisReply> RedisConnection::receive(qint64 deadline) {
    for (;;) {
        auto parsed = m_parser.next();
        if (!parsed.ok())
            return parsed.error();
        if (parsed.value())
            return std::move(*parsed.value());
        if (Error e = readMore(deadline)) // what the socket holds, or waits for more
            return e;
    }
}

} // namespace streamscope
