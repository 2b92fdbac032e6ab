#pragma once

#include "Error.h"

#include <QObject>

#include <QProcess>
#include <functional>

#include <memory>
#include <vector>

namespace streamscope::shop {

// Runs the reference shop for `streamscope --demo` (on one server or, with --cluster, on a
// private Redis Cluster: redisUrl names any node): the order service placing a steady trickle
// of orders, two payment instances (the second crashes every so often, leaving pending entries
// behind, and is restarted after a while), and the notification service. Every process dies
// with this one (PR_SET_PDEATHSIG), so nothing is left behind even if the app is killed.
class ShopDemo : public QObject {
    Q_OBJECT
public:
    struct Options {
        QString binDir;  // where the service executables are
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
    };
    explicit ShopDemo(Options options, QObject *parent = nullptr);
    ~ShopDemo() override;

    Error start();
    void stop();
    // The services' names and whether each runs now.
    QList<QPair<QString, bool>> status() const;

private:
    struct Service {
        QString name;
        QString program;
        QStringList args;
        bool crashes = false;
        std::unique_ptr<QProcess> process;
    };
    Error launch(Service &service);

    Options m_options;
    std::vector<Service> m_services;
    bool m_stopping = false;
};

} // namespace streamscope::shop
