#include "SshTunnel.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>

#include <libssh/libssh.h>
#include <libssh/server.h> // ssh_send_keepalive, for clients too

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace streamscope {

namespace {

using Ssh = ConnectionSettings::Ssh;
using Clock = std::chrono::steady_clock;

constexpr int kChunk = 64 * 1024; // bytes moved per read, each way, per connection
constexpr int kMaxLinks = 1024;   // local connections per SSH session
constexpr int kWaitSliceMs = 50;  // how often a waiting caller looks at its cancel flag
// How long a session without any connection stays open (setSshSessionIdleTimeout).
std::atomic<int> idleCloseMs{60000};
// With connections through it, a session silent this long is asked for a sign of life
// (keepalive@openssh.com), and taken for dead after twice as long (setSshKeepAliveInterval).
std::atomic<int> keepAliveMs{30000};

qint64 msSince(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

QString endpointOf(const Ssh &ssh) {
    return ConnectionSettings::HostPort{ssh.host, ssh.port}.toString();
}

QString localUserName() {
    if (const passwd *pw = ::getpwuid(::geteuid()))
        return QString::fromLocal8Bit(pw->pw_name);
    return qEnvironmentVariable("USER");
}

QString userOf(const Ssh &ssh) {
    return ssh.user.isEmpty() ? localUserName() : ssh.user;
}

QString knownHostsPathOf(const Ssh &ssh) {
    return ssh.knownHostsFile.isEmpty() ? QDir::homePath() + QStringLiteral("/.ssh/known_hosts")
                                        : ssh.knownHostsFile;
}

// "~/..." as the shell would expand it (URLs and saved connections are not expanded by one).
Ssh withHomeExpanded(Ssh ssh) {
    for (QString *path : {&ssh.keyFile, &ssh.knownHostsFile})
        if (*path == QLatin1String("~") || path->startsWith(QLatin1String("~/")))
            *path = QDir::homePath() + path->mid(1);
    return ssh;
}

// The name known_hosts files use for the server: "host", or "[host]:port" off port 22.
QString knownHostsName(const Ssh &ssh) {
    return ssh.port == 22 ? ssh.host : QStringLiteral("[%1]:%2").arg(ssh.host).arg(ssh.port);
}

QString sshError(ssh_session session) {
    QString text = QString::fromUtf8(ssh_get_error(session)).trimmed();
    while (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    return text.isEmpty() ? QStringLiteral("unknown error") : text;
}

struct SessionDeleter {
    void operator()(ssh_session s) const {
        if (ssh_is_connected(s))
            ssh_disconnect(s);
        ssh_free(s);
    }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionDeleter>;

struct KeyDeleter {
    void operator()(ssh_key k) const { ssh_key_free(k); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

QString fingerprintOf(ssh_key key) {
    unsigned char *hash = nullptr;
    size_t length = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != SSH_OK)
        return {};
    char *text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    ssh_clean_pubkey_hash(&hash);
    const QString fingerprint = QString::fromUtf8(text);
    ssh_string_free_char(text);
    return fingerprint;
}

// Until when a handshake may run, and the caller's flag to stop it.
struct Deadline {
    Clock::time_point at;
    const std::atomic<bool> *cancel = nullptr;
};

// Runs a step of a non-blocking session (connect, authenticate) until it no longer answers
// again, sleeping on the session's socket in between: a worker asked to stop, or out of time,
// is not held by a slow SSH server.
template <typename Step>
Result<int> drive(ssh_session session, const Ssh &ssh, const Deadline &deadline, int again,
                  Step step) {
    for (;;) {
        const int rc = step();
        if (rc != again)
            return rc;
        if (deadline.cancel && deadline.cancel->load())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline.at - Clock::now())
                .count();
        if (left <= 0)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("the SSH server %1 did not complete its handshake in time")
                             .arg(endpointOf(ssh)));
        const int wait = int(std::min<qint64>(left, kWaitSliceMs));
        const int fd = ssh_get_fd(session);
        if (fd < 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(wait, 5)));
            continue;
        }
        pollfd p{fd, POLLIN, 0};
        if (ssh_get_poll_flags(session) & SSH_WRITE_PENDING)
            p.events |= POLLOUT;
        ::poll(&p, 1, wait);
    }
}

// A session connected to the SSH server (key exchange done, nobody authenticated), non-blocking.
Result<SessionPtr> connectSession(const Ssh &ssh, const Deadline &deadline) {
    SessionPtr session(ssh_new());
    if (!session)
        return Error(Error::Kind::Connect, QStringLiteral("cannot create an SSH session"));
    const QByteArray host = ssh.host.toUtf8();
    const unsigned int port = ssh.port;
    const QByteArray user = ssh.user.toUtf8();
    const QByteArray knownHosts = QFile::encodeName(knownHostsPathOf(ssh));
    ssh_options_set(session.get(), SSH_OPTIONS_HOST, host.constData());
    ssh_options_set(session.get(), SSH_OPTIONS_PORT, &port);
    // Without a user, libssh takes ~/.ssh/config's User for the host, then the local user name.
    if (!user.isEmpty())
        ssh_options_set(session.get(), SSH_OPTIONS_USER, user.constData());
    ssh_options_set(session.get(), SSH_OPTIONS_KNOWNHOSTS, knownHosts.constData());
    ssh_set_blocking(session.get(), 0);
    auto rc =
        drive(session.get(), ssh, deadline, SSH_AGAIN, [&] { return ssh_connect(session.get()); });
    if (!rc.ok())
        return rc.error();
    if (rc.value() != SSH_OK)
        return Error(Error::Kind::Connect, QStringLiteral("cannot reach the SSH server %1: %2")
                                               .arg(endpointOf(ssh), sshError(session.get())));
    return session;
}

Result<SessionPtr> connectSession(const Ssh &ssh, int timeoutMs) {
    return connectSession(ssh, Deadline{Clock::now() + std::chrono::milliseconds(timeoutMs)});
}

Result<SshHostKey> hostKeyOf(ssh_session session, const Ssh &ssh) {
    SshHostKey key;
    key.endpoint = endpointOf(ssh);
    key.knownHostsFile = knownHostsPathOf(ssh);
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session, &raw) != SSH_OK)
        return Error(Error::Kind::Connect, QStringLiteral("the SSH server %1 sent no host key: %2")
                                               .arg(key.endpoint, sshError(session)));
    KeyPtr serverKey(raw);
    key.fingerprint = fingerprintOf(serverKey.get());
    key.keyType = QString::fromUtf8(ssh_key_type_to_char(ssh_key_type(serverKey.get())));
    switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
        key.status = SshHostKey::Status::Trusted;
        break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER: // another key type on record: as suspicious as a changed key
        key.status = SshHostKey::Status::Changed;
        break;
    case SSH_KNOWN_HOSTS_NOT_FOUND: // no known_hosts file yet
    case SSH_KNOWN_HOSTS_UNKNOWN:
        key.status = SshHostKey::Status::Unknown;
        break;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        return Error(Error::Kind::HostKey,
                     QStringLiteral("cannot check the SSH host key of %1 against %2: %3")
                         .arg(key.endpoint, key.knownHostsFile, sshError(session)));
    }
    return key;
}

Error hostKeyError(const SshHostKey &key, const Ssh &ssh) {
    if (key.status == SshHostKey::Status::Changed)
        return Error(
            Error::Kind::HostKey,
            QStringLiteral("the SSH host key of %1 has CHANGED (it is now %2, %3 holds another "
                           "key): this is a possible attack (someone between you and the "
                           "server), or the server was reinstalled. Nothing was sent. Ask the "
                           "server's administrator; only if the new key is right, remove the old "
                           "one (ssh-keygen -R '%4' -f %3) and connect again")
                .arg(key.endpoint, key.fingerprint, key.knownHostsFile, knownHostsName(ssh)));
    return Error(Error::Kind::HostKey,
                 QStringLiteral("the SSH server %1 is not in known_hosts (%2): check the "
                                "fingerprint and add it (ssh-keyscan -p %3 %4 >> %5), or accept "
                                "it in the app")
                     .arg(key.endpoint, key.fingerprint)
                     .arg(ssh.port)
                     .arg(ssh.host, key.knownHostsFile));
}

// Whether a private key file is protected by a passphrase (OpenSSH's own format or PEM).
bool keyIsEncrypted(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return false;
    const QByteArray text = file.read(64 * 1024);
    if (text.contains("ENCRYPTED"))
        return true;
    const QByteArray begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    const qsizetype from = text.indexOf(begin);
    const qsizetype to = text.indexOf("-----END", from + 1);
    if (from < 0 || to < 0)
        return false;
    const QByteArray blob = QByteArray::fromBase64(
        text.mid(from + begin.size(), to - from - begin.size()).simplified());
    const QByteArray magic("openssh-key-v1\0", 15);
    if (!blob.startsWith(magic) || blob.size() < magic.size() + 4)
        return false;
    const auto *p = reinterpret_cast<const uchar *>(blob.constData()) + magic.size();
    const quint32 length =
        (quint32(p[0]) << 24) | (quint32(p[1]) << 16) | (quint32(p[2]) << 8) | p[3];
    return blob.mid(magic.size() + 4, length) != "none";
}

Error authenticate(ssh_session session, const Ssh &ssh, const Deadline &deadline) {
    QString user = userOf(ssh);
    char *effective = nullptr; // the user libssh logs in as (~/.ssh/config may name it)
    if (ssh_options_get(session, SSH_OPTIONS_USER, &effective) == SSH_OK && effective) {
        user = QString::fromUtf8(effective);
        ssh_string_free_char(effective);
    }
    const QByteArray passphrase = ssh.keyPassphrase.toUtf8();
    const char *pass = passphrase.isEmpty() ? nullptr : passphrase.constData();
    int rc = SSH_AUTH_ERROR;
    if (!ssh.keyFile.isEmpty()) {
        const QFileInfo info(ssh.keyFile);
        if (!info.isFile() || !info.isReadable())
            return Error(Error::Kind::Auth,
                         QStringLiteral("cannot read the SSH key %1: %2")
                             .arg(ssh.keyFile, info.exists() ? QStringLiteral("permission denied")
                                                             : QStringLiteral("no such file")));
        ssh_key raw = nullptr;
        if (ssh_pki_import_privkey_file(QFile::encodeName(ssh.keyFile).constData(), pass, nullptr,
                                        nullptr, &raw)
            != SSH_OK) {
            if (!pass && keyIsEncrypted(ssh.keyFile))
                return Error(Error::Kind::Auth,
                             QStringLiteral("the key %1 needs a passphrase: set "
                                            "STREAMSCOPE_SSH_KEY_PASSPHRASE (in the app: the "
                                            "connection's key passphrase)")
                                 .arg(ssh.keyFile));
            if (pass)
                return Error(Error::Kind::Auth,
                             QStringLiteral("the key %1 cannot be opened with the passphrase "
                                            "given: is it the right one?")
                                 .arg(ssh.keyFile));
            return Error(Error::Kind::Auth,
                         QStringLiteral("the SSH key %1 is not a private key libssh can read")
                             .arg(ssh.keyFile));
        }
        KeyPtr key(raw);
        auto result = drive(session, ssh, deadline, SSH_AUTH_AGAIN,
                            [&] { return ssh_userauth_publickey(session, nullptr, key.get()); });
        if (!result.ok())
            return result.error();
        rc = result.value();
        if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
            return Error(Error::Kind::Auth,
                         QStringLiteral("the SSH server %1 refused the key %2 for user %3")
                             .arg(endpointOf(ssh), ssh.keyFile, user));
    } else {
        // The agent (SSH_AUTH_SOCK) first, then ~/.ssh's id_ed25519, id_ecdsa, id_rsa.
        auto result = drive(session, ssh, deadline, SSH_AUTH_AGAIN,
                            [&] { return ssh_userauth_publickey_auto(session, nullptr, pass); });
        if (!result.ok())
            return result.error();
        rc = result.value();
        if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
            return Error(Error::Kind::Auth,
                         QStringLiteral("the SSH server %1 refused every key of the SSH agent "
                                        "and ~/.ssh for user %2: give a key with --ssh-key FILE "
                                        "(ssh-key= in a URL)")
                             .arg(endpointOf(ssh), user));
    }
    if (rc != SSH_AUTH_SUCCESS)
        return Error(Error::Kind::Connect, QStringLiteral("SSH authentication at %1 failed: %2")
                                               .arg(endpointOf(ssh), sshError(session)));
    return {};
}

// A caller's request for a forward, answered by the pump thread.
struct ForwardRequest {
    QString host;
    quint16 port = 0;
    std::mutex mutex;
    std::condition_variable done;
    std::optional<Result<quint16>> result;

    void answer(Result<quint16> r) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!result)
            result.emplace(std::move(r));
        done.notify_all();
    }
};

struct Target {
    QString host;
    quint16 port = 0;
    bool operator<(const Target &o) const { return host != o.host ? host < o.host : port < o.port; }
};

// One SSH session and its forwards. The session is used by its pump thread only (libssh
// sessions are not thread-safe); callers talk to it through requests and a wake-up eventfd.
class TunnelSession {
public:
    TunnelSession(SessionPtr session, QString endpoint)
        : m_session(std::move(session))
        , m_endpoint(std::move(endpoint)) {
        m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        // A peer that vanishes without a FIN (a cable, a NAT) is noticed within about a minute:
        // keep-alive probes when the line is idle, the user timeout when data waits unacked
        // (keep-alive does not probe then, and retransmissions would go on for 15 minutes).
        const int fd = ssh_get_fd(m_session.get());
        const int on = 1, idle = 30, interval = 10, count = 3;
        const unsigned int userTimeoutMs = 60000;
        ::setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &userTimeoutMs, sizeof userTimeoutMs);
        ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
        ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        m_thread = std::thread([this] { run(); });
    }

    ~TunnelSession() {
        m_stop = true;
        wake();
        if (m_thread.joinable())
            m_thread.join();
        ::close(m_wakeFd);
    }

    bool alive() const { return m_alive.load(); }
    QString lostReason() {
        std::lock_guard<std::mutex> lock(m_mutex);
        return m_lostReason;
    }

    Result<quint16> forward(const QString &host, quint16 port, Clock::time_point deadline,
                            const std::atomic<bool> *cancel) {
        auto request = std::make_shared<ForwardRequest>();
        request->host = host;
        request->port = port;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            const auto known = m_ports.find({host, port});
            if (known != m_ports.end())
                return known->second;
            if (!m_alive)
                return lostError();
            m_requests.push_back(request);
        }
        wake();
        std::unique_lock<std::mutex> lock(request->mutex);
        while (!request->result) {
            if (cancel && cancel->load())
                return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
            if (Clock::now() >= deadline)
                return Error(
                    Error::Kind::Timeout,
                    QStringLiteral("the SSH server %1 did not open a forward to %2 in "
                                   "time")
                        .arg(m_endpoint, ConnectionSettings::HostPort{host, port}.toString()));
            request->done.wait_for(lock, std::chrono::milliseconds(kWaitSliceMs));
        }
        return *request->result;
    }

private:
    struct Listener {
        Target target;
        int fd = -1;
        quint16 port = 0;
    };
    // A local connection and its channel, or a probe (no local connection) that checks the SSH
    // server forwards to a target before a listener is made for it.
    struct Link {
        Target target;
        int fd = -1; // -1: a probe, or the local side is gone while the channel opens
        ssh_channel channel = nullptr;
        bool open = false;
        std::shared_ptr<ForwardRequest> probe;
        QByteArray toLocal; // read from the channel, not yet written to fd
        qsizetype toLocalAt = 0;
        QByteArray toRemote; // read from fd, not yet accepted by the channel's window
        qsizetype toRemoteAt = 0;
        short events = 0; // what the last poll asked for fd
    };

    Error lostError() const {
        return Error(Error::Kind::Connect,
                     QStringLiteral("the SSH connection to %1 was lost").arg(m_endpoint));
    }

    void wake() {
        const uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(m_wakeFd, &one, sizeof one);
    }

    void run() {
        ssh_event event = ssh_event_new();
        ssh_event_add_session(event, m_session.get());
        ssh_counter_struct socketCounter{}, packetCounter{};
        ssh_set_counters(m_session.get(), &socketCounter, &packetCounter);
        const int sshFd = ssh_get_fd(m_session.get());
        bool busy = false;
        QString lost;
        bool closedIdle = false;
        std::vector<pollfd> fds;
        uint64_t readAtStart = 0;
        auto lastUsed = Clock::now(); // the last turn that had a connection (or a probe)
        // A server that stops answering but whose kernel still acknowledges (a frozen host, a
        // stopped sshd) is noticed by its silence while connections wait on it.
        auto lastHeard = Clock::now();
        auto lastAsked = Clock::now();
        uint64_t packetsHeard = 0;
        while (!m_stop) {
            fds.clear();
            fds.push_back({m_wakeFd, POLLIN, 0});
            const int flags = ssh_get_poll_flags(m_session.get());
            fds.push_back({sshFd, short(POLLIN | ((flags & SSH_WRITE_PENDING) ? POLLOUT : 0)), 0});
            const size_t firstListener = fds.size();
            for (const Listener &l : m_listeners)
                fds.push_back({l.fd, short(int(m_links.size()) < kMaxLinks ? POLLIN : 0), 0});
            const size_t firstLink = fds.size();
            for (Link &link : m_links) {
                link.events = 0;
                if (link.fd >= 0 && link.open) {
                    if (link.toRemoteAt == link.toRemote.size())
                        link.events |= POLLIN;
                    if (link.toLocalAt < link.toLocal.size())
                        link.events |= POLLOUT;
                }
                fds.push_back({link.fd, link.events, 0});
            }
            // (SSH_READ_PENDING only says libssh wants POLLIN: it always does.)
            int timeout = busy ? 0 : -1;
            // Unused, the session ends after a while (one wake-up, then the thread exits): an
            // app that disconnected does not keep a login on the bastion.
            if (!busy && m_links.empty()) {
                const qint64 left = idleCloseMs.load() - msSince(lastUsed);
                if (left <= 0) {
                    closedIdle = true;
                    break;
                }
                timeout = int(left);
            } else if (!busy) {
                timeout = qMax(1, keepAliveMs.load() / 2); // to notice a silent server
            }
            if (::poll(fds.data(), nfds_t(fds.size()), timeout) < 0 && errno != EINTR)
                break;
            if (m_stop)
                break;

            if (fds[0].revents) {
                uint64_t count = 0;
                [[maybe_unused]] const ssize_t n = ::read(m_wakeFd, &count, sizeof count);
                takeRequests();
            }
            // Reads what the SSH server sent (channel data lands in the channels' buffers,
            // window adjustments open the way for writes) and flushes what libssh holds.
            if (ssh_event_dopoll(event, 0) == SSH_ERROR || !ssh_is_connected(m_session.get())
                || (ssh_get_status(m_session.get()) & (SSH_CLOSED | SSH_CLOSED_ERROR))
                || ssh_get_fd(m_session.get()) != sshFd) {
                lost = sshError(m_session.get());
                break;
            }
            // Any read of a channel (or a channel open) may read more from the socket and fill
            // the buffer of a link already served in this turn, with nothing left on the socket
            // to wake poll() for it: when the socket was read after this point, serve the links
            // again before sleeping.
            const uint64_t readBefore = socketCounter.in_bytes + packetCounter.in_packets;
            for (size_t i = 0; i < m_listeners.size(); ++i)
                if (fds[firstListener + i].revents)
                    accept(m_listeners[i]);

            busy = false;
            size_t i = firstLink;
            for (auto it = m_links.begin(); it != m_links.end();) {
                // Links accepted in this round were not polled: they have nothing yet.
                const short revents = i < fds.size() && fds[i].fd == it->fd ? fds[i].revents : 0;
                ++i;
                if (step(*it, revents, busy))
                    ++it;
                else
                    it = m_links.erase(it);
            }
            if (socketCounter.in_bytes + packetCounter.in_packets != readBefore)
                busy = true;
            if (!m_links.empty())
                lastUsed = Clock::now();
            if (packetCounter.in_packets != packetsHeard || m_links.empty()) {
                packetsHeard = packetCounter.in_packets;
                lastHeard = Clock::now();
            } else if (msSince(lastHeard) >= 2 * qint64(keepAliveMs.load())) {
                lost = QStringLiteral("it did not answer for %1 ms").arg(msSince(lastHeard));
                break;
            } else if (msSince(lastHeard) >= keepAliveMs.load()
                       && msSince(lastAsked) >= keepAliveMs.load()) {
                // Any reply (even a refusal) is a sign of life. libssh sends a new request only
                // once the last one's reply was collected, which a call does when it finds the
                // reply in: the first call collects, the second sends.
                ssh_send_keepalive(m_session.get());
                ssh_send_keepalive(m_session.get());
                lastAsked = Clock::now();
            }
            // sshd sends a forwarding-only session with Nagle on: the last small segment of
            // each reply waits for our ACK of the one before, which Linux may delay by up to
            // 40 ms. Acknowledging what we read at once keeps request/reply traffic at loopback
            // speed (it was 20x slower, with OpenSSH's client too). The kernel clears the flag
            // by itself: set it after each turn that read the socket.
            if (socketCounter.in_bytes != readAtStart) {
                readAtStart = socketCounter.in_bytes;
                const int on = 1;
                ::setsockopt(sshFd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
            }
        }

        // Dead or stopped: every local connection closes (their clients see the connection
        // drop and reconnect through a new session), every waiting caller hears why.
        Error why = lostError();
        if (!lost.isEmpty())
            why.message += QStringLiteral(": ") + lost;
        if (closedIdle)
            why.message = QStringLiteral("the SSH connection to %1 was closed after %2 ms unused")
                              .arg(m_endpoint)
                              .arg(idleCloseMs.load());
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_alive = false;
            m_lostReason = why.message; // before any local connection closes
            m_ports.clear();
        }
        for (Link &link : m_links) {
            if (link.probe)
                link.probe->answer(why);
            if (link.fd >= 0)
                ::close(link.fd);
            ssh_channel_free(link.channel);
        }
        m_links.clear();
        for (const Listener &l : m_listeners)
            ::close(l.fd);
        m_listeners.clear();
        takeRequests(); // answers them with why: the session is no longer alive
        for (Link &link : m_links) {
            link.probe->answer(why);
            ssh_channel_free(link.channel);
        }
        m_links.clear();
        ssh_set_counters(m_session.get(), nullptr, nullptr);
        ssh_event_remove_session(event, m_session.get());
        ssh_event_free(event);
        // Logs out now (the server sees a clean disconnect), not when the last user lets go.
        if (ssh_is_connected(m_session.get()))
            ssh_disconnect(m_session.get());
    }

    void takeRequests() {
        std::deque<std::shared_ptr<ForwardRequest>> requests;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            requests.swap(m_requests);
        }
        for (auto &request : requests) {
            Link probe;
            probe.target = {request->host, request->port};
            probe.probe = request;
            probe.channel = ssh_channel_new(m_session.get());
            if (!probe.channel) {
                request->answer(Error(Error::Kind::Connect,
                                      QStringLiteral("cannot open an SSH channel to %1: %2")
                                          .arg(m_endpoint, sshError(m_session.get()))));
                continue;
            }
            m_links.push_back(std::move(probe));
        }
    }

    void accept(const Listener &listener) {
        while (int(m_links.size()) < kMaxLinks) {
            const int fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0)
                return;
            const int on = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            Link link;
            link.target = listener.target;
            link.fd = fd;
            link.channel = ssh_channel_new(m_session.get());
            if (!link.channel) {
                ::close(fd);
                continue;
            }
            m_links.push_back(std::move(link));
        }
    }

    Result<quint16> listenerFor(const Target &target) {
        for (const Listener &l : m_listeners)
            if (l.target.host == target.host && l.target.port == target.port)
                return l.port;
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
            || ::listen(fd, 128) != 0
            || ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
            const QString why = QString::fromLocal8Bit(::strerror(errno));
            if (fd >= 0)
                ::close(fd);
            return Error(
                Error::Kind::Connect,
                QStringLiteral("cannot listen on 127.0.0.1 for the SSH tunnel: %1").arg(why));
        }
        m_listeners.push_back({target, fd, ntohs(address.sin_port)});
        return m_listeners.back().port;
    }

    void closeLink(Link &link) {
        if (link.fd >= 0)
            ::close(link.fd);
        link.fd = -1;
        ssh_channel_free(link.channel); // sends the channel's close when it is open
        link.channel = nullptr;
    }

    // Moves what it can of one link; false when the link is done with.
    bool step(Link &link, short revents, bool &busy) {
        const QString target =
            ConnectionSettings::HostPort{link.target.host, link.target.port}.toString();
        if (!link.open) {
            const int rc =
                ssh_channel_open_forward(link.channel, link.target.host.toUtf8().constData(),
                                         link.target.port, "127.0.0.1", 0);
            if (rc == SSH_AGAIN) {
                // The local side may go away while the channel opens: the channel is closed
                // once open (freeing a channel that is still opening would leave it open).
                if (link.fd >= 0 && (revents & (POLLERR | POLLHUP))) {
                    ::close(link.fd);
                    link.fd = -1;
                }
                return true;
            }
            if (rc != SSH_OK) {
                const QString why = sshError(m_session.get());
                if (link.probe)
                    link.probe->answer(openError(target, why));
                // The next sshLocalForward for this target probes again, and says why.
                std::lock_guard<std::mutex> lock(m_mutex);
                m_ports.erase(link.target);
                closeLink(link);
                return false;
            }
            link.open = true;
            if (link.probe) {
                auto port = listenerFor(link.target);
                if (port.ok()) {
                    std::lock_guard<std::mutex> lock(m_mutex);
                    m_ports[link.target] = port.value();
                }
                link.probe->answer(port);
                closeLink(link);
                return false;
            }
            if (link.fd < 0) {
                closeLink(link);
                return false;
            }
        }

        // The SSH server to the local client, bounded by kChunk in flight: what the client
        // does not take stays in the channel, whose window then stops the sender.
        for (int round = 0;; ++round) {
            if (link.toLocalAt == link.toLocal.size()) {
                if (round == 16) {
                    busy = true; // more may be waiting: come back after the others had a turn
                    break;
                }
                link.toLocal.resize(kChunk);
                const int n =
                    ssh_channel_read_nonblocking(link.channel, link.toLocal.data(), kChunk, 0);
                if (n < 0) { // EOF or closed by the server (the target closed): done
                    closeLink(link);
                    return false;
                }
                link.toLocal.resize(n);
                link.toLocalAt = 0;
                if (n == 0)
                    break;
            }
            const ssize_t w =
                ::send(link.fd, link.toLocal.constData() + link.toLocalAt,
                       size_t(link.toLocal.size() - link.toLocalAt), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                break;
            if (w < 0) {
                closeLink(link);
                return false;
            }
            link.toLocalAt += w;
            if (link.toLocalAt < link.toLocal.size())
                break;
        }

        // The local client to the SSH server, as far as the channel's window allows.
        if (link.toRemoteAt == link.toRemote.size() && (revents & (POLLIN | POLLHUP | POLLERR))) {
            link.toRemote.resize(kChunk);
            const ssize_t n = ::recv(link.fd, link.toRemote.data(), kChunk, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                closeLink(link); // the client hung up
                return false;
            }
            link.toRemote.resize(qMax<ssize_t>(n, 0));
            link.toRemoteAt = 0;
        }
        if (link.toRemoteAt < link.toRemote.size()) {
            const uint32_t window = ssh_channel_window_size(link.channel);
            const uint32_t length =
                std::min<uint32_t>(window, uint32_t(link.toRemote.size() - link.toRemoteAt));
            if (length > 0) {
                const int w = ssh_channel_write(
                    link.channel, link.toRemote.constData() + link.toRemoteAt, length);
                if (w < 0) {
                    closeLink(link);
                    return false;
                }
                link.toRemoteAt += w;
            }
        }
        return true;
    }

    // libssh says "Channel opening failure: channel N error (CODE) TEXT", CODE from RFC 4254:
    // 1 administratively prohibited (AllowTcpForwarding no, PermitOpen), 2 connect failed.
    Error openError(const QString &target, const QString &why) const {
        static const QRegularExpression code(QStringLiteral("error \\((\\d+)\\)"));
        if (code.match(why).captured(1) == QLatin1String("1"))
            return Error(Error::Kind::Connect,
                         QStringLiteral("the SSH server %1 does not allow forwarding to %2 (%3): "
                                        "its AllowTcpForwarding or PermitOpen must allow it")
                             .arg(m_endpoint, target, why));
        return Error(Error::Kind::Connect,
                     QStringLiteral("cannot reach %1 through the SSH server %2 (%3): is the "
                                    "server running, and is %1 its address as the SSH server "
                                    "sees it?")
                         .arg(target, m_endpoint, why));
    }

    SessionPtr m_session;
    const QString m_endpoint;
    int m_wakeFd = -1;
    std::atomic<bool> m_stop{false};
    std::atomic<bool> m_alive{true};
    std::thread m_thread;

    std::mutex m_mutex; // guards m_requests and m_ports
    std::deque<std::shared_ptr<ForwardRequest>> m_requests;
    std::map<Target, quint16> m_ports; // forwards known to work: target -> local port
    QString m_lostReason;              // why the session ended, once it has

    // The pump thread's own.
    std::vector<Listener> m_listeners;
    std::list<Link> m_links;
};

// Every session of the process, one per SSH server, user, key and known_hosts file. Each has a
// lock held while it is being (re)made, so that threads connecting at once make one session.
struct Registry {
    struct Slot {
        std::timed_mutex connecting;
        std::shared_ptr<TunnelSession> session; // guarded by Registry::mutex
    };
    std::mutex mutex;
    std::map<QString, std::shared_ptr<Slot>> slots;
};

// Never destroyed: the sessions are stopped by stopAllSessions (at exit, before OpenSSL's own
// exit handler frees what libssh needs to close them), not by a static destructor whose order
// against OpenSSL's cannot be chosen.
Registry &registry() {
    static Registry *instance = new Registry;
    return *instance;
}

void stopAllSessions() {
    std::vector<std::shared_ptr<TunnelSession>> sessions;
    {
        Registry &r = registry();
        std::lock_guard<std::mutex> lock(r.mutex);
        for (auto &slot : r.slots)
            if (slot.second->session)
                sessions.push_back(std::move(slot.second->session));
    }
    sessions.clear(); // each pump thread stops and joins, each session disconnects
}

QString sessionKey(const Ssh &ssh) {
    return QStringList{userOf(ssh), endpointOf(ssh), ssh.keyFile, knownHostsPathOf(ssh)}.join(
        QLatin1Char('\n'));
}

Result<std::shared_ptr<TunnelSession>> sessionFor(const Ssh &ssh, Clock::time_point deadline,
                                                  const std::atomic<bool> *cancel) {
    Registry &r = registry();
    std::shared_ptr<Registry::Slot> slot;
    auto current = [&]() -> std::shared_ptr<TunnelSession> {
        std::lock_guard<std::mutex> lock(r.mutex);
        return slot->session && slot->session->alive() ? slot->session : nullptr;
    };
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        auto &entry = r.slots[sessionKey(ssh)];
        if (!entry)
            entry = std::make_shared<Registry::Slot>();
        slot = entry;
    }
    if (auto session = current())
        return session;
    while (!slot->connecting.try_lock_for(std::chrono::milliseconds(kWaitSliceMs))) {
        if (cancel && cancel->load())
            return Error(Error::Kind::Cancelled, QStringLiteral("cancelled"));
        if (Clock::now() >= deadline)
            return Error(Error::Kind::Timeout,
                         QStringLiteral("the SSH connection to %1 took too long to set up")
                             .arg(endpointOf(ssh)));
    }
    std::unique_lock<std::timed_mutex> connecting(slot->connecting, std::adopt_lock);
    if (auto session = current()) // made by the thread we waited for
        return session;

    const Deadline handshake{deadline, cancel};
    auto connected = connectSession(ssh, handshake);
    if (!connected.ok())
        return connected.error();
    auto key = hostKeyOf(connected.value().get(), ssh);
    if (!key.ok())
        return key.error();
    if (key->status != SshHostKey::Status::Trusted)
        return hostKeyError(key.value(), ssh);
    if (Error e = authenticate(connected.value().get(), ssh, handshake))
        return e;
    // Registered after libssh initialized OpenSSL (whose exit handler registered then), so it
    // runs before it: exit handlers run in reverse order.
    static const bool stopAtExit = (std::atexit(stopAllSessions), true);
    Q_UNUSED(stopAtExit);
    auto session = std::make_shared<TunnelSession>(std::move(connected.value()), endpointOf(ssh));
    std::shared_ptr<TunnelSession> old;
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        old.swap(slot->session);
        slot->session = session;
    }
    return session; // old, dead, is joined here as it goes out of scope
}

} // namespace

Result<ConnectionSettings::HostPort> sshLocalForward(const ConnectionSettings::Ssh &given,
                                                     const QString &host, quint16 port,
                                                     int timeoutMs,
                                                     const std::atomic<bool> *cancel) {
    const Ssh ssh = withHomeExpanded(given);
    const auto deadline = Clock::now() + std::chrono::milliseconds(qMax(1, timeoutMs));
    // A session that died between our lookup and our request is made again, once.
    for (int attempt = 0;; ++attempt) {
        auto session = sessionFor(ssh, deadline, cancel);
        if (!session.ok())
            return session.error();
        auto local = session.value()->forward(host, port, deadline, cancel);
        if (local.ok())
            return ConnectionSettings::HostPort{QStringLiteral("127.0.0.1"), local.value()};
        if (session.value()->alive() || attempt == 1)
            return local.error();
    }
}

Result<SshHostKey> checkSshHostKey(const ConnectionSettings::Ssh &given, int timeoutMs) {
    const Ssh ssh = withHomeExpanded(given);
    auto session = connectSession(ssh, timeoutMs);
    if (!session.ok())
        return session.error();
    return hostKeyOf(session.value().get(), ssh);
}

Error trustSshHostKey(const ConnectionSettings::Ssh &given, const QString &fingerprint,
                      int timeoutMs) {
    const Ssh ssh = withHomeExpanded(given);
    auto session = connectSession(ssh, timeoutMs);
    if (!session.ok())
        return session.error();
    auto key = hostKeyOf(session.value().get(), ssh);
    if (!key.ok())
        return key.error();
    if (key->status == SshHostKey::Status::Trusted)
        return {};
    if (key->status == SshHostKey::Status::Changed)
        return hostKeyError(key.value(), ssh);
    if (key->fingerprint != fingerprint.trimmed())
        return Error(
            Error::Kind::HostKey,
            QStringLiteral("the SSH server %1 now shows the key %2, not the %3 that was "
                           "accepted: nothing was added to %4")
                .arg(key->endpoint, key->fingerprint, fingerprint.trimmed(), key->knownHostsFile));
    const QFileInfo file(key->knownHostsFile);
    if (!file.dir().exists()) {
        if (!QDir().mkpath(file.absolutePath()))
            return Error(
                Error::Kind::HostKey,
                QStringLiteral("cannot create %1 for known_hosts").arg(file.absolutePath()));
        QFile::setPermissions(file.absolutePath(),
                              QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    }
    if (ssh_session_update_known_hosts(session.value().get()) != SSH_OK)
        return Error(Error::Kind::HostKey,
                     QStringLiteral("cannot add the SSH host key of %1 to %2: %3")
                         .arg(key->endpoint, key->knownHostsFile, sshError(session.value().get())));
    return {};
}

std::optional<SshHostKey> sshHostKeyProblem(const Error &error) {
    if (error.kind != Error::Kind::HostKey)
        return std::nullopt;
    static const QRegularExpression unknown(
        QStringLiteral("^the SSH server (\\S+) is not in known_hosts \\((SHA256:[^)]+)\\).*>> "
                       "(.*)\\), or accept it in the app$"));
    static const QRegularExpression changed(QStringLiteral(
        "^the SSH host key of (\\S+) has CHANGED \\(it is now (SHA256:[^,]+), (.*) holds another "
        "key\\)"));
    SshHostKey key;
    QRegularExpressionMatch m = unknown.match(error.message);
    key.status = SshHostKey::Status::Unknown;
    if (!m.hasMatch()) {
        m = changed.match(error.message);
        key.status = SshHostKey::Status::Changed;
    }
    if (!m.hasMatch())
        return std::nullopt;
    key.endpoint = m.captured(1);
    key.fingerprint = m.captured(2);
    key.knownHostsFile = m.captured(3);
    return key;
}

QString sshFingerprintOfPublicKey(const QString &line) {
    // "[host]:port type base64 comment" (known_hosts) or "type base64 comment" (.pub).
    const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (int i = 0; i + 1 < words.size(); ++i) {
        const enum ssh_keytypes_e type = ssh_key_type_from_name(words[i].toUtf8().constData());
        if (type == SSH_KEYTYPE_UNKNOWN)
            continue;
        ssh_key raw = nullptr;
        if (ssh_pki_import_pubkey_base64(words[i + 1].toUtf8().constData(), type, &raw) != SSH_OK)
            return {};
        KeyPtr key(raw);
        return fingerprintOf(key.get());
    }
    return {};
}

void setSshKeepAliveInterval(int ms) {
    keepAliveMs = qMax(1, ms);
}

void setSshSessionIdleTimeout(int ms) {
    idleCloseMs = qMax(1, ms);
}

QString sshTunnelLost(const ConnectionSettings::Ssh &given) {
    const Ssh ssh = withHomeExpanded(given);
    Registry &r = registry();
    std::shared_ptr<TunnelSession> session;
    {
        std::lock_guard<std::mutex> lock(r.mutex);
        const auto slot = r.slots.find(sessionKey(ssh));
        if (slot == r.slots.end() || !slot->second->session || slot->second->session->alive())
            return {};
        session = slot->second->session;
    }
    return session->lostReason();
}

int sshSessionCount() {
    Registry &r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    int count = 0;
    for (const auto &slot : r.slots)
        count += slot.second->session && slot.second->session->alive() ? 1 : 0;
    return count;
}

} // namespace streamscope
