#pragma once

#include "Error.h"

#include <QObject>

#include <QProcess>
#include <functional>

#include <map>
#include <memory>
#include <vector>

namespace streamscope {
class LocalRedisServer;
}

namespace streamscope::shop {

// Runs the reference shop for `streamscope --demo` (on one server or, with --cluster, on a
// private Redis Cluster: redisUrl names any node): the order service placing a steady trickle
// of orders, two payment instances (the second crashes every so often, leaving pending entries
// behind, and is restarted after a while), and the notification service. Every process dies
// with this one (PR_SET_PDEATHSIG), so nothing is left behind even if the app is killed.
//
// Anything that stops unasked (a service killed or failing, a private redis-server gone) is
// reported (processDied, serverDied, stopped()) and stays stopped until restart() is asked: a
// process that keeps dying is not restarted for ever behind the user's back. Only the planned
// crash of payments-2 is reported as planned and comes back by itself.
class ShopDemo : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString binDir;  // where the service executables are (findServices())
        QString dataDir; // their databases
        QString redisUrl;
        // When set, the URL a service (re)started now connects to: for a private cluster, a
        // node that still runs (the node in redisUrl may have been killed since).
        std::function<QString()> currentUrl;
        int ordersPerSecond = 5;
        // The crashed instance stays dead for restartAfterMs; its pending entries are claimed by
        // the other one after claimIdleMs. Between a crash and the claim, StreamScope shows a
        // dead consumer (its idle threshold in the demo is 10 s).
        int claimIdleMs = 30000;
        int restartAfterMs = 45000;
        bool crashing = true;
        // payments-2 crashes after a number of orders in [crashAfterMin, crashAfterMax).
        int crashAfterMin = 40;
        int crashAfterMax = 120;
        // The private server(s) the shop runs on (owned by the caller, outliving this): watched,
        // and started again (same port, same data) by restart().
        std::vector<LocalRedisServer *> servers;
    };

    // Something of the demo that stopped without being asked to.
    struct Stopped {
        // The key for restart(): "payments-2", "order-service", "redis-server:6379".
        QString name;
        QString program; // "payment-service", "redis-server"
        bool server = false;
        bool clusterNode = false; // a server that is one node of the demo's cluster
        quint16 port = 0;         // a server's port
        int exitCode = 0;         // when crashed: the signal's number
        bool crashed = false;     // ended by a signal (killed), not by exiting
        qint64 atMs = 0;          // when it stopped, ms since the epoch
        QString lastOutput;       // its last lines on stderr (a server: of its log), oldest first
        int deaths = 0;           // how many times it stopped since the demo started
        QString restartError;     // why the last restart failed; empty when none did
        // The demo's own crash of payments-2 (--crash-after): it comes back by itself at
        // restartAtMs (ms since the epoch), and is not counted in deaths.
        bool planned = false;
        qint64 restartAtMs = 0;
    };

    explicit ShopDemo(Options options, QObject *parent = nullptr);
    ~ShopDemo() override;

    Error start();
    void stop();
    // The services' names and whether each runs now.
    QList<QPair<QString, bool>> status() const;
    // What is stopped now, in the order it stopped: waiting for restart() (or, planned, for its
    // time).
    QList<Stopped> stopped() const;
    // Starts a stopped service or private server (a name from stopped()) again; a running one
    // is left alone. A restarted server keeps its port and data, so connections to it (the
    // services', the window's) recover by themselves.
    Error restart(const QString &name);
    Error restartServer();                       // every stopped private server
    qint64 processId(const QString &name) const; // 0 when not running

    static QString serverName(quint16 port);

    // The executables the demo starts: order-service, payment-service, notification-service.
    static QStringList servicePrograms();
    // Where streamscope --demo looks for them, in this order: the installed layout
    // (appDir/../libexec/streamscope, from CMAKE_INSTALL_LIBEXECDIR), then appDir itself (a
    // build tree, where every executable is in build/bin).
    static QStringList serviceDirs(const QString &appDir);
    // The first of dirs that holds every service (absolute, clean); otherwise an error naming
    // each directory tried and what was missing there.
    static Result<QString> findServices(const QStringList &dirs);

Q_SIGNALS:
    void processDied(const QString &name, int exitCode, const QString &lastOutput);
    void serverDied(const QString &name, int exitCode, const QString &lastOutput);
    void restarted(const QString &name);
    void stoppedChanged(); // stopped() changed: something died or came back

private:
    struct Service {
        Service(QString name_, QString program_, QStringList args_, bool crashes_)
            : name(std::move(name_))
            , program(std::move(program_))
            , args(std::move(args_))
            , crashes(crashes_) {}
        QString name;
        QString program;
        QStringList args;
        bool crashes = false;
        std::unique_ptr<QProcess> process;
        int launches = 0;       // a planned restart is for the process it was planned for
        QStringList lastOutput; // the last few lines of its stderr
        QByteArray partialLine;
    };
    Error launch(Service &service);
    void onFinished(Service &service, int exitCode, QProcess::ExitStatus status);
    void onServerExited(LocalRedisServer *server, int exitCode, bool crashed);
    void readOutput(Service &service); // passes its stderr on, keeps its last lines
    void keepLines(Service &service);
    void report(Stopped stopped);
    void forget(const QString &name);
    Service *service(const QString &name);

    Options m_options;
    std::vector<Service> m_services;
    QList<Stopped> m_stopped;
    std::map<QString, int> m_deaths;
    bool m_stopping = false;
};

} // namespace streamscope::shop
