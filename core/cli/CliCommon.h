#pragma once

// What the commands of streamscope-cli share: buffered output, error reporting with exit codes,
// connecting, tables.

#include "AutoClient.h"
#include "Cli.h"
#include "Permissions.h"
#include "StreamNodeError.h"

#include <QByteArray>
#include <QCommandLineParser>
#include <QString>

#include <QByteArray>

#include <QCommandLineOption>

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <functional>
#include <memory>
#include <unistd.h>

namespace streamscope::cli {

// The first error writing stdout (an errno), 0 while every write went through. Commands write
// and return; run() then turns an error into exit 6 (OutputError) with a message about the
// output, so no command reports success to a full disk or a closed stdout.
inline int &stdoutError() {
    static int error = 0;
    return error;
}

// True when the process was started with stdout closed (`>&-`). Its descriptor may already
// have been reused by Qt's event dispatcher (an eventfd, an anonymous inode), which is no
// output either.
inline bool stdoutIsClosed() {
    if (::fcntl(STDOUT_FILENO, F_GETFD) < 0)
        return true;
    char link[64] = {};
    const ssize_t n = ::readlink("/proc/self/fd/1", link, sizeof link - 1);
    return n > 0 && QByteArray(link, qsizetype(n)).startsWith("anon_inode:");
}

// stdout through one buffer: tails print millions of lines.
class Output {
public:
    ~Output() { flush(); }
    Output &operator<<(const QByteArray &b) {
        m_buffer += b;
        if (m_buffer.size() > 1 << 16)
            flush();
        return *this;
    }
    Output &operator<<(const QString &s) { return *this << s.toUtf8(); }
    Output &operator<<(const char *s) { return *this << QByteArray(s); }
    void flush() {
        errno = 0;
        if (stdoutError()) { // closed from the start, or broken: nothing more is written
            m_buffer.clear();
            return;
        }
        if (!m_buffer.isEmpty()
            && std::fwrite(m_buffer.constData(), 1, size_t(m_buffer.size()), stdout)
                   != size_t(m_buffer.size())
            && !stdoutError())
            stdoutError() = errno ? errno : EIO;
        if (std::fflush(stdout) != 0 && !stdoutError())
            stdoutError() = errno ? errno : EIO;
        m_buffer.clear();
    }
    // True once a write to stdout failed: long-running commands stop then.
    bool failed() const { return stdoutError() != 0; }

private:
    QByteArray m_buffer;
};

inline void printError(const QString &message) {
    std::fprintf(stderr, "streamscope-cli: %s\n", qPrintable(message));
}

inline int usageError(const QString &message, const QString &command = {}) {
    printError(message);
    std::fprintf(stderr, "Run 'streamscope-cli %s--help' for usage.\n",
                 command.isEmpty() ? "" : qPrintable(command + QLatin1Char(' ')));
    return UsageError;
}

inline int exitCodeFor(const Error &error) {
    switch (error.kind) {
    case Error::Kind::InvalidArgument:
        return UsageError;
    case Error::Kind::Server:
        return ServerError;
    case Error::Kind::ReadOnly:
        return ReadOnlyRefused;
    default:
        return ConnectionError;
    }
}

// The ACL user the command connects as (set by run()): a refusal names it and what to add.
inline QString &aclUserName() {
    static QString user;
    return user;
}

inline int fail(const Error &error) {
    printError(explainRefusal(error.message, aclUserName()));
    return exitCodeFor(error);
}

inline Result<std::unique_ptr<RedisClient>> connect(const ConnectionSettings &settings) {
    auto client = openClient(settings);
    // A cluster node refuses SELECT: say what to change, not only what the server said.
    if (!client.ok() && settings.db != 0
        && client.error().message.contains(QLatin1String("not allowed in cluster mode")))
        return Error(client.error().kind,
                     client.error().message
                         + QStringLiteral(". A Redis Cluster has only database 0: leave out -n %1 "
                                          "(or /%1 at the end of the URL)")
                               .arg(settings.db));
    return client;
}

// Left-aligned columns, sized to their content.
inline QString table(const QStringList &header, const QList<QStringList> &rows) {
    QList<int> widths;
    for (const QString &h : header)
        widths << int(h.size());
    for (const QStringList &row : rows)
        for (int i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = qMax(widths[i], int(row[i].size()));
    QString out;
    auto line = [&](const QStringList &cells) {
        QString l;
        for (int i = 0; i < cells.size(); ++i)
            l += i + 1 < cells.size() ? cells[i].leftJustified(widths[i] + 2) : cells[i];
        out += l.trimmed() + QLatin1Char('\n');
    };
    line(header);
    for (const QStringList &row : rows)
        line(row);
    return out;
}

// One command of streamscope-cli: its name, --help text, own options and what runs it.
struct CommandSpec {
    const char *name;
    const char *help;
    QList<QCommandLineOption> options;
    std::function<int(const QCommandLineParser &, const ConnectionSettings &, bool json)> run;
};

// Commands with a file of their own, each defining its spec there.
CommandSpec serveCommand();   // ServeCommand.cpp: serve (Prometheus metrics, alerts)
CommandSpec redriveCommand(); // RedriveCommand.cpp: redrive (dead letters back to their origin)
CommandSpec replayCommand();  // ReplayCommand.cpp: replay (a capture into a test server)
// group rewind (RewindCommand.cpp), called by runGroupAdmin; its --help is printed for
// 'group rewind --help'.
int runGroupRewind(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
extern const char groupRewindHelp[];

// Commands in GroupCommands.cpp.
int runGroups(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runConsumers(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runPending(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runDoctorCommand(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runAck(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runClaim(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runAutoclaim(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runDeadLetter(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runGroupAdmin(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
// Commands in DataCommands.cpp.
int runFind(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runExport(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);
int runImport(const QCommandLineParser &p, const ConnectionSettings &settings, bool json);

} // namespace streamscope::cli
