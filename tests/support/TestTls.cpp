#include "TestTls.h"

#include <QDir>
#include <QFile>
#include <QProcess>

namespace streamscope::test {

Error TestCertificates::openssl(const QStringList &args) {
    QProcess process;
    process.setWorkingDirectory(m_dir.path());
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(QStringLiteral("openssl"), args);
    const bool finished = process.waitForFinished(30000);
    if (!finished || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("openssl %1 failed (%2): %3")
                         .arg(args.join(QLatin1Char(' ')), process.errorString(),
                              QString::fromUtf8(process.readAll())));
    return {};
}

Error TestCertificates::write(const QString &name, const QByteArray &text) {
    QFile file(path(name));
    if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
        return Error(Error::Kind::InvalidArgument,
                     QStringLiteral("cannot write %1: %2").arg(path(name), file.errorString()));
    return {};
}

Error TestCertificates::ecKey(const QString &name) {
    return openssl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("EC"),
                    QStringLiteral("-pkeyopt"), QStringLiteral("ec_paramgen_curve:prime256v1"),
                    QStringLiteral("-out"), name});
}

Error TestCertificates::sign(const QString &name, const QString &key, const QString &subject,
                             const QString &extensions, const QString &caName) {
    const QString csr = name + QStringLiteral(".csr");
    const QString ext = name + QStringLiteral(".ext");
    if (Error e = openssl({QStringLiteral("req"), QStringLiteral("-new"), QStringLiteral("-key"),
                           key, QStringLiteral("-subj"), subject, QStringLiteral("-out"), csr}))
        return e;
    if (Error e = write(ext, extensions.toUtf8()))
        return e;
    return openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"), csr,
                    QStringLiteral("-CA"), caName + QStringLiteral(".crt"),
                    QStringLiteral("-CAkey"), caName + QStringLiteral(".key"),
                    QStringLiteral("-set_serial"), QString::number(qHash(name)),
                    QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-extfile"), ext,
                    QStringLiteral("-out"), name});
}

Error TestCertificates::make() {
    if (!m_dir.isValid())
        return Error(
            Error::Kind::InvalidArgument,
            QStringLiteral("cannot make a temporary directory: %1").arg(m_dir.errorString()));
    const QString server = QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                          "extendedKeyUsage=serverAuth\n");
    const QString client = QStringLiteral("extendedKeyUsage=clientAuth\n");
    for (const char *ca : {"ca", "other-ca"}) {
        const QString name = QString::fromLatin1(ca);
        if (Error e = ecKey(name + QStringLiteral(".key")))
            return e;
        if (Error e =
                openssl({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"),
                         QStringLiteral("-key"), name + QStringLiteral(".key"),
                         QStringLiteral("-days"), QStringLiteral("30"), QStringLiteral("-subj"),
                         name == QLatin1String("ca") ? QStringLiteral("/CN=StreamScope Test CA")
                                                     : QStringLiteral("/CN=Unrelated Test CA"),
                         QStringLiteral("-out"), name + QStringLiteral(".crt")}))
            return e;
    }
    if (!QDir(m_dir.path()).mkdir(QStringLiteral("cadir"))
        || !QFile::copy(caCert(), caDir() + QStringLiteral("/ca.pem")))
        return Error(Error::Kind::InvalidArgument, QStringLiteral("cannot fill %1").arg(caDir()));

    if (Error e = ecKey(QStringLiteral("server.key")))
        return e;
    if (Error e = sign(QStringLiteral("server.crt"), QStringLiteral("server.key"),
                       QStringLiteral("/CN=localhost"), server, QStringLiteral("ca")))
        return e;
    if (Error e = sign(QStringLiteral("wrong-name.crt"), QStringLiteral("server.key"),
                       QStringLiteral("/CN=redis.prod"),
                       QStringLiteral("subjectAltName=DNS:redis.prod\n"
                                      "extendedKeyUsage=serverAuth\n"),
                       QStringLiteral("ca")))
        return e;

    if (Error e = openssl(
            {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-new"),
             QStringLiteral("-key"), QStringLiteral("server.key"), QStringLiteral("-subj"),
             QStringLiteral("/CN=localhost"), QStringLiteral("-addext"),
             QStringLiteral("subjectAltName=IP:127.0.0.1,DNS:localhost"), QStringLiteral("-days"),
             QStringLiteral("30"), QStringLiteral("-out"), QStringLiteral("self-signed.crt")}))
        return e;

    // An expired certificate: `openssl ca` takes explicit dates (x509 -req only -days).
    if (!QDir(m_dir.path()).mkdir(QStringLiteral("cadb")))
        return Error(Error::Kind::InvalidArgument, QStringLiteral("cannot make cadb"));
    if (Error e = write(QStringLiteral("cadb/index.txt"), {}))
        return e;
    if (Error e = write(QStringLiteral("cadb/serial"), "1000\n"))
        return e;
    if (Error e = write(QStringLiteral("ca.cnf"), "[ca]\ndefault_ca = test\n"
                                                  "[test]\ndatabase = cadb/index.txt\n"
                                                  "new_certs_dir = cadb\nserial = cadb/serial\n"
                                                  "default_md = sha256\npolicy = any\n"
                                                  "[any]\ncommonName = supplied\n"))
        return e;
    if (Error e = write(QStringLiteral("expired.ext"), server.toUtf8()))
        return e;
    if (Error e =
            openssl({QStringLiteral("ca"), QStringLiteral("-batch"), QStringLiteral("-config"),
                     QStringLiteral("ca.cnf"), QStringLiteral("-cert"), QStringLiteral("ca.crt"),
                     QStringLiteral("-keyfile"), QStringLiteral("ca.key"), QStringLiteral("-in"),
                     QStringLiteral("server.crt.csr"), QStringLiteral("-startdate"),
                     QStringLiteral("20250101000000Z"), QStringLiteral("-enddate"),
                     QStringLiteral("20250201000000Z"), QStringLiteral("-extfile"),
                     QStringLiteral("expired.ext"), QStringLiteral("-notext"),
                     QStringLiteral("-out"), QStringLiteral("expired.crt")}))
        return e;

    if (Error e =
            openssl({QStringLiteral("genpkey"), QStringLiteral("-algorithm"), QStringLiteral("RSA"),
                     QStringLiteral("-pkeyopt"), QStringLiteral("rsa_keygen_bits:2048"),
                     QStringLiteral("-out"), QStringLiteral("client.key")}))
        return e;
    if (Error e = sign(QStringLiteral("client.crt"), QStringLiteral("client.key"),
                       QStringLiteral("/CN=streamscope-client"), client, QStringLiteral("ca")))
        return e;
    if (Error e = openssl({QStringLiteral("pkey"), QStringLiteral("-in"),
                           QStringLiteral("client.key"), QStringLiteral("-aes256"),
                           QStringLiteral("-passout"), QStringLiteral("pass:") + passphrase(),
                           QStringLiteral("-out"), QStringLiteral("client-encrypted.key")}))
        return e;
    if (Error e = ecKey(QStringLiteral("other-client.key")))
        return e;
    return sign(QStringLiteral("other-client.crt"), QStringLiteral("other-client.key"),
                QStringLiteral("/CN=stranger"), client, QStringLiteral("other-ca"));
}

} // namespace streamscope::test
