#include "TestSsh.h"

#include "LocalRedisServer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTcpSocket>
#include <QThread>

#include <csignal>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

namespace streamscope::test {

namespace {

const char *sshdProgram = "/usr/sbin/sshd";

Error runTool(const QString &program, const QStringList &args, QByteArray *out = nullptr) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(20000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return Error(Error::Kind::Connect,
                     QStringLiteral("%1 %2 failed: %3%4")
                         .arg(program, args.join(QLatin1Char(' ')), p.errorString(),
                              QString::fromUtf8(p.readAllStandardError())));
    if (out)
        *out = p.readAllStandardOutput();
    return {};
}

// Every process whose parent is pid, and theirs (from /proc).
QList<pid_t> descendants(pid_t pid) {
    QHash<pid_t, QList<pid_t>> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool isPid = false;
        const pid_t child = pid_t(entry.toInt(&isPid));
        if (!isPid)
            continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(entry));
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        // "pid (comm) state ppid ...": comm may hold spaces, the last ')' ends it.
        const QByteArray line = stat.readAll();
        const QList<QByteArray> rest = line.mid(line.lastIndexOf(')') + 2).split(' ');
        if (rest.size() > 1)
            children[pid_t(rest.at(1).toInt())].append(child);
    }
    QList<pid_t> all;
    QList<pid_t> todo{pid};
    while (!todo.isEmpty()) {
        const QList<pid_t> next = children.value(todo.takeFirst());
        all += next;
        todo += next;
    }
    return all;
}

} // namespace

TestSsh::TestSsh()
    : TestSsh(Options()) {}

TestSsh::TestSsh(Options options)
    : m_options(options) {}

TestSsh::~TestSsh() {
    stop();
}

QString TestSsh::keyFile() const {
    return m_dir->filePath(QStringLiteral("id_client"));
}

QString TestSsh::passphraseKeyFile() const {
    return m_dir->filePath(QStringLiteral("id_client_pass"));
}

QString TestSsh::unauthorizedKeyFile() const {
    return m_dir->filePath(QStringLiteral("id_stranger"));
}

Error TestSsh::makeKeys() {
    const QString keygen = QStringLiteral("ssh-keygen");
    struct Key {
        const char *name;
        QString passphrase;
    };
    for (const Key &key : {Key{"host_ed25519", QString()}, Key{"other_host_ed25519", QString()},
                           Key{"id_client", QString()}, Key{"id_client_pass", passphrase()},
                           Key{"id_stranger", QString()}}) {
        if (Error e = runTool(keygen, {QStringLiteral("-q"), QStringLiteral("-t"),
                                       QStringLiteral("ed25519"), QStringLiteral("-N"),
                                       key.passphrase, QStringLiteral("-C"),
                                       QString::fromLatin1(key.name), QStringLiteral("-f"),
                                       m_dir->filePath(QString::fromLatin1(key.name))}))
            return e;
    }
    QFile authorized(m_dir->filePath(QStringLiteral("authorized_keys")));
    if (!authorized.open(QIODevice::WriteOnly))
        return Error(Error::Kind::Connect, authorized.errorString());
    for (const QString &pub : {keyFile(), passphraseKeyFile()}) {
        QFile f(pub + QStringLiteral(".pub"));
        if (!f.open(QIODevice::ReadOnly))
            return Error(Error::Kind::Connect, f.errorString());
        authorized.write(f.readAll());
    }
    return {};
}

Error TestSsh::writeConfig() const {
    QFile config(m_dir->filePath(QStringLiteral("sshd_config")));
    if (!config.open(QIODevice::WriteOnly))
        return Error(Error::Kind::Connect, config.errorString());
    const QString text =
        QStringLiteral("Port %1\n"
                       "ListenAddress 127.0.0.1\n"
                       "HostKey %2\n"
                       "AuthorizedKeysFile %3\n"
                       "PidFile none\n"
                       "UsePAM no\n"
                       "StrictModes no\n"
                       "PermitRootLogin prohibit-password\n"
                       "PubkeyAuthentication yes\n"
                       "PasswordAuthentication no\n"
                       "KbdInteractiveAuthentication no\n"
                       "UseDNS no\n"
                       "AllowTcpForwarding %4\n"
                       "MaxStartups 100\n"
                       // debug1 logs each direct-tcpip channel with its target: the tests'
                       // proof that a connection went through the tunnel.
                       "LogLevel DEBUG1\n")
            .arg(m_port)
            .arg(m_dir->filePath(QStringLiteral("host_ed25519")),
                 m_dir->filePath(QStringLiteral("authorized_keys")),
                 m_options.allowTcpForwarding ? QStringLiteral("yes") : QStringLiteral("no"));
    config.write(text.toUtf8());
    return {};
}

Error TestSsh::start(int timeoutMs) {
    if (isRunning())
        return {};
    if (!QFile::exists(QString::fromLatin1(sshdProgram)))
        return Error(Error::Kind::Connect,
                     QStringLiteral("%1 not found: install openssh-server").arg(sshdProgram));
    // sshd's privilege separation needs its empty directory (made by the package's service,
    // which does not run in containers).
    if (!QDir(QStringLiteral("/run/sshd")).exists() && !QDir().mkpath(QStringLiteral("/run/sshd")))
        return Error(Error::Kind::Connect, QStringLiteral("cannot create /run/sshd for sshd"));
    if (!m_dir) {
        m_dir = std::make_unique<QTemporaryDir>(QDir::tempPath()
                                                + QStringLiteral("/streamscope-sshd-XXXXXX"));
        if (!m_dir->isValid())
            return Error(Error::Kind::Connect, m_dir->errorString());
        if (Error e = makeKeys())
            return e;
    }
    Error last;
    for (int attempt = 0; attempt < 5; ++attempt) {
        // A restart keeps the port: clients come back where they were.
        if (m_port == 0 || attempt > 0)
            m_port = LocalRedisServer::freePort();
        if (Error e = writeConfig())
            return e;
        m_process = std::make_unique<QProcess>();
        m_process->setProgram(QString::fromLatin1(sshdProgram));
        m_process->setArguments({QStringLiteral("-D"), QStringLiteral("-e"), QStringLiteral("-f"),
                                 m_dir->filePath(QStringLiteral("sshd_config"))});
        m_process->setStandardOutputFile(QProcess::nullDevice());
        m_process->setStandardErrorFile(m_dir->filePath(QStringLiteral("sshd.log")),
                                        QIODevice::Append);
        dieWithParent(*m_process);
        m_process->start();
        if (!m_process->waitForStarted(timeoutMs))
            return Error(Error::Kind::Connect,
                         QStringLiteral("cannot start sshd: %1").arg(m_process->errorString()));
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < timeoutMs && m_process->state() == QProcess::Running) {
            QTcpSocket probe;
            probe.connectToHost(QStringLiteral("127.0.0.1"), m_port);
            if (probe.waitForConnected(200) && log().contains(QLatin1String("Server listening")))
                return {};
            QThread::msleep(20);
            m_process->waitForFinished(0);
        }
        last = Error(Error::Kind::Connect,
                     QStringLiteral("sshd did not come up on port %1. Its log:\n%2")
                         .arg(m_port)
                         .arg(log().right(2000)));
        stop();
        if (!log().contains(QLatin1String("Address already in use")))
            break;
    }
    return last;
}

void TestSsh::stop() {
    if (!isRunning())
        return;
    const pid_t pid = pid_t(m_process->processId());
    const QList<pid_t> sessions = descendants(pid);
    ::kill(pid, SIGKILL);
    for (pid_t child : sessions)
        ::kill(child, SIGKILL);
    m_process->waitForFinished(5000);
}

void TestSsh::freezeSessions(bool freeze) {
    if (!isRunning())
        return;
    for (pid_t session : descendants(pid_t(m_process->processId())))
        ::kill(session, freeze ? SIGSTOP : SIGCONT);
}

bool TestSsh::isRunning() const {
    return m_process && m_process->state() != QProcess::NotRunning;
}

QString TestSsh::hostKeyFingerprint() const {
    QByteArray out;
    if (runTool(QStringLiteral("ssh-keygen"),
                {QStringLiteral("-l"), QStringLiteral("-f"),
                 m_dir->filePath(QStringLiteral("host_ed25519.pub"))},
                &out))
        return {};
    return QString::fromUtf8(out).section(QLatin1Char(' '), 1, 1);
}

QString TestSsh::knownHostsLine() const {
    QFile pub(m_dir->filePath(QStringLiteral("host_ed25519.pub")));
    if (!pub.open(QIODevice::ReadOnly))
        return {};
    const QString key = QString::fromUtf8(pub.readAll()).section(QLatin1Char(' '), 0, 1);
    return QStringLiteral("[127.0.0.1]:%1 %2").arg(m_port).arg(key);
}

QString TestSsh::writeKnownHosts(const QString &name, KnownHosts content) const {
    const QString path = m_dir->filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    if (content == KnownHosts::Trusted)
        file.write(knownHostsLine().toUtf8() + '\n');
    if (content == KnownHosts::Changed) {
        QFile other(m_dir->filePath(QStringLiteral("other_host_ed25519.pub")));
        if (!other.open(QIODevice::ReadOnly))
            return {};
        const QString key = QString::fromUtf8(other.readAll()).section(QLatin1Char(' '), 0, 1);
        file.write(QStringLiteral("[127.0.0.1]:%1 %2\n").arg(m_port).arg(key).toUtf8());
    }
    return path;
}

ConnectionSettings::Ssh TestSsh::settings(const QString &key, const QString &knownHosts) const {
    ConnectionSettings::Ssh ssh;
    ssh.host = QStringLiteral("127.0.0.1");
    ssh.port = m_port;
    if (const passwd *pw = ::getpwuid(::geteuid())) // sshd lets in only users that exist
        ssh.user = QString::fromLocal8Bit(pw->pw_name);
    ssh.keyFile = key;
    ssh.knownHostsFile = knownHosts;
    return ssh;
}

QString TestSsh::log() const {
    if (!m_dir)
        return {};
    QFile f(m_dir->filePath(QStringLiteral("sshd.log")));
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

int TestSsh::logCount(const QString &text) const {
    return int(log().count(text));
}

} // namespace streamscope::test
