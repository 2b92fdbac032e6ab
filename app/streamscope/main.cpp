#include "ConnectionOptions.h"
#include "DemoBanner.h"
#include "FlowConfig.h"
#include "FlowView.h"
#include "LocalRedisCluster.h"
#include "LocalRedisServer.h"
#include "MainWindow.h"
#include "Palette.h"
#include "PublishView.h"
#include "ShopDemo.h"
#include "StreamBrowser.h"
#include "Version.h"

#include <QApplication>
#include <QBoxLayout>
#include <QCommandLineParser>
#include <QIcon>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <optional>

using namespace streamscope;

int main(int argc, char **argv) {
    // --screenshot, --help and --version need no display: they work on servers and in CI.
    const bool headless =
        qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY");
    for (int i = 1; i < argc; ++i)
        for (const char *flag : {"--screenshot", "--help", "-h", "--version", "-v"})
            if (qstrcmp(argv[i], flag) == 0 && headless)
                qputenv("QT_QPA_PLATFORM", "offscreen");

    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("StreamScope"));
    QApplication::setOrganizationName(QStringLiteral("StreamScope"));
    QApplication::setApplicationVersion(streamscopeVersion()); // "0.1.0 (git 5279a67)"
    // The desktop file's name (io.github.streamscope.StreamScope.desktop): on Wayland the app id.
    QApplication::setDesktopFileName(QStringLiteral("io.github.streamscope.StreamScope"));
    QIcon icon; // resources/icons: rendered from the SVGs, one PNG a size
    for (int px : {16, 22, 24, 32, 48, 64, 128, 256})
        icon.addFile(QStringLiteral(":/streamscope/icons/streamscope-%1.png").arg(px), {px, px});
    QApplication::setWindowIcon(icon);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Live dashboard for Redis Streams: the live tail, the event flow, consumer "
                       "groups and their health, history, charts, publishing and export.\n"
                       "Without a URL (the argument or --url), the connection flags or --demo it "
                       "connects to the last connection used.\n"
                       "Passphrases of TLS and SSH keys: STREAMSCOPE_TLS_KEY_PASSPHRASE, "
                       "STREAMSCOPE_SSH_KEY_PASSPHRASE (or the connection dialog)."));
    parser.addHelpOption();
    // Not addVersionOption(): it would print the application name, "StreamScope"; every
    // executable prints its own command's name and streamscopeVersion().
    const QCommandLineOption version({QStringLiteral("v"), QStringLiteral("version")},
                                     QStringLiteral("Displays version information."));
    parser.addOption(version);
    // What the desktop file's "Exec=streamscope %u" passes when a redis:// link is opened.
    parser.addPositionalArgument(
        QStringLiteral("url"),
        QStringLiteral("A Redis URL to connect to (redis://, rediss://, ...): the same as --url."),
        QStringLiteral("[URL]"));
    // --url and the connection flags the CLI and the services take (long ones only: -h is help):
    // --tls --cacert --cert --key --sni --insecure, --sentinel --master, --ssh --ssh-key ...
    const QList<QCommandLineOption> connectionOptions =
        ConnectionOptions::options(ConnectionOptions::Letters::LongOnly);
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        QStringLiteral("Start a private redis-server (with --cluster: a private Redis Cluster) and "
                       "the reference shop, and watch them."));
    const QCommandLineOption cluster(
        QStringLiteral("cluster"),
        QStringLiteral("With --demo: run the shop on a private Redis Cluster (3 primaries, 3 "
                       "replicas) instead of one redis-server."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save the window to FILE (PNG) and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption screenshotAfter(
        QStringLiteral("screenshot-after"),
        QStringLiteral("Milliseconds to wait before the screenshot (default 3000)."),
        QStringLiteral("MS"), QStringLiteral("3000"));
    const QCommandLineOption rowCap(QStringLiteral("row-cap"),
                                    QStringLiteral("Rows the live table keeps (default 1000000)."),
                                    QStringLiteral("N"), QStringLiteral("1000000"));
    const QCommandLineOption readOnly(QStringLiteral("read-only"),
                                      QStringLiteral("Send nothing that changes data."));
    const QCommandLineOption tab(
        QStringLiteral("tab"),
        QStringLiteral("Open on a tab: %1.").arg(MainWindow::tabNames().join(QStringLiteral(", "))),
        QStringLiteral("NAME"), QStringLiteral("events"));
    const QCommandLineOption idleThreshold(
        QStringLiteral("idle-threshold"),
        QStringLiteral("Idle time that makes a consumer dead or an entry stuck (default 60000)."),
        QStringLiteral("MS"), QStringLiteral("60000"));
    const QCommandLineOption maxDeliveries(
        QStringLiteral("max-deliveries"),
        QStringLiteral("Deliveries that make an entry poison (default 5)."), QStringLiteral("N"),
        QStringLiteral("5"));
    const QCommandLineOption browse(QStringLiteral("browse"),
                                    QStringLiteral("Open STREAM's history in the Browse tab."),
                                    QStringLiteral("STREAM"));
    const QCommandLineOption publishTemplate(
        QStringLiteral("template"),
        QStringLiteral("Open the Publish tab filled from template NAME (order.created, "
                       "payment.completed or your own)."),
        QStringLiteral("NAME"));
    const QCommandLineOption windowSize(
        QStringLiteral("window-size"),
        QStringLiteral("The window's size, e.g. 1024x700 (for pictures and small screens)."),
        QStringLiteral("WxH"));
    const QCommandLineOption paletteOption(
        QStringLiteral("palette"),
        QStringLiteral("Colours: system (default), light or dark (Fusion style)."),
        QStringLiteral("NAME"), QStringLiteral("system"));
    parser.addOptions({windowSize, paletteOption});
    parser.addOptions(connectionOptions);
    // --flow-start STREAM:TYPE --flow-end STREAM:TYPE[,TYPE] --flow-key FIELD --flow-type-field F
    parser.addOptions(flowOptions());
    parser.addOptions({demo, cluster, screenshot, screenshotAfter, rowCap, readOnly, tab,
                       idleThreshold, maxDeliveries, browse, publishTemplate});
    parser.process(app);
    if (parser.isSet(version)) {
        std::fputs(qPrintable(versionLine(QStringLiteral("streamscope"))), stdout);
        return 0;
    }
    const QString paletteName = parser.value(paletteOption);
    if (paletteName == QLatin1String("dark") || paletteName == QLatin1String("light")) {
        QApplication::setStyle(QStringLiteral("Fusion"));
        QApplication::setPalette(paletteName == QLatin1String("dark") ? darkPalette()
                                                                      : lightPalette());
    } else if (paletteName != QLatin1String("system")) {
        std::fprintf(stderr, "streamscope: --palette takes system, light or dark\n");
        return 2;
    }
    std::optional<QSize> size;
    if (parser.isSet(windowSize)) {
        const QStringList wh = parser.value(windowSize).split(QLatin1Char('x'));
        bool wOk = false, hOk = false;
        const int w = wh.value(0).toInt(&wOk), h = wh.value(1).toInt(&hOk);
        if (wh.size() != 2 || !wOk || !hOk || w < 320 || h < 240) {
            std::fprintf(stderr, "streamscope: --window-size takes WIDTHxHEIGHT, e.g. 1024x700 "
                                 "(at least 320x240)\n");
            return 2;
        }
        size = QSize(w, h);
    }

    // "streamscope redis://host" is "streamscope --url redis://host"; anything else is refused.
    const QStringList positional = parser.positionalArguments();
    const QString urlArgument = positional.value(0);
    if (positional.size() > 1
        || (positional.size() == 1 && !urlArgument.contains(QLatin1String("://")))) {
        std::fprintf(stderr,
                     "streamscope: \"%s\" is not a Redis URL: give one URL such as "
                     "redis://host:6379 or rediss://host:6380 (or --url; see --help)\n",
                     qPrintable(positional.join(QLatin1Char(' '))));
        return 2;
    }
    if (!urlArgument.isEmpty() && parser.isSet(QStringLiteral("url"))) {
        std::fprintf(stderr, "streamscope: give the URL once: as the argument or with --url\n");
        return 2;
    }
    // Any connection flag means "connect with these", as --url alone did.
    bool connectionFlags = !urlArgument.isEmpty();
    for (const QCommandLineOption &o : connectionOptions)
        connectionFlags = connectionFlags || parser.isSet(o.names().constFirst());
    if (connectionFlags && parser.isSet(demo)) {
        std::fprintf(stderr, "streamscope: use a URL (or the connection flags) or --demo, not "
                             "both\n");
        return 2;
    }
    std::optional<ConnectionSettings> fromFlags;
    if (connectionFlags) {
        auto settings =
            urlArgument.isEmpty()
                ? ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::LongOnly)
                : ConnectionOptions::settingsFrom(parser, ConnectionOptions::Letters::LongOnly,
                                                  urlArgument);
        if (!settings.ok()) {
            std::fprintf(stderr, "streamscope: %s\n", qPrintable(settings.error().message));
            return 2;
        }
        fromFlags = settings.value();
    }
    if (parser.isSet(cluster) && !parser.isSet(demo)) {
        std::fprintf(stderr, "streamscope: --cluster only goes with --demo (it starts a private "
                             "Redis Cluster for the demo shop); to watch your own cluster, give "
                             "--url any of its nodes\n");
        return 2;
    }

    MainWindow window;
    bool ok = false;
    const int cap = parser.value(rowCap).toInt(&ok);
    if (!ok || cap <= 0) {
        std::fprintf(stderr, "streamscope: --row-cap needs a positive number\n");
        return 2;
    }
    window.setRowCap(cap);
    window.setReadOnly(parser.isSet(readOnly));
    HealthOptions health = GroupPoller::Options().health;
    bool idleOk = false, deliveriesOk = false;
    health.idleThresholdMs = parser.value(idleThreshold).toLongLong(&idleOk);
    health.maxDeliveries = parser.value(maxDeliveries).toLongLong(&deliveriesOk);
    if (!idleOk || health.idleThresholdMs < 0 || !deliveriesOk || health.maxDeliveries < 1) {
        std::fprintf(stderr, "streamscope: --idle-threshold needs milliseconds >= 0 and "
                             "--max-deliveries a number >= 1\n");
        return 2;
    }
    // In the demo a crashed payment instance is claimed from after 30 s: judge idleness sooner,
    // so that the dead consumer shows while it holds its entries.
    if (parser.isSet(demo) && !parser.isSet(idleThreshold))
        health.idleThresholdMs = 10000;
    window.setHealthOptions(health);
    // Preferences and layout (QSettings: ~/.config/StreamScope/StreamScope.conf); screenshots
    // start from the defaults so that they look the same everywhere.
    QSettings preferences;
    window.setSettingsStore(&preferences);
    if (parser.isSet(screenshot)) {
        // Neither the saved flow nor the flags of a picture change the user's flow settings.
        window.flowView()->setSettingsStore(nullptr);
        window.flowView()->setConfig(FlowConfig());
    }
    const QString lastConnection = parser.isSet(screenshot) ? QString() : window.restoreLayout();
    if ((parser.isSet(tab) || parser.isSet(screenshot)) && !window.showTab(parser.value(tab))) {
        std::fprintf(stderr, "streamscope: --tab takes one of: %s\n",
                     qPrintable(MainWindow::tabNames().join(QStringLiteral(", "))));
        return 2;
    }

    // The event flow from the command line wins over the saved one for this run, and is saved
    // as any change is (e.g. a BullMQ queue: --flow-start bull:q:events:added --flow-end
    // bull:q:events:completed,failed --flow-key jobId --flow-type-field event).
    if (anyFlowOptionSet(parser)) {
        auto flow = flowConfigFromOptions(parser, window.flowView()->config());
        if (!flow.ok()) {
            std::fprintf(stderr, "streamscope: %s\n", qPrintable(flow.error().message));
            return 2;
        }
        window.flowView()->setConfig(flow.value());
    }

    LocalRedisServer::Options demoOptions;
    demoOptions.persistence = true;
    LocalRedisServer demoServer(demoOptions);
    LocalRedisCluster demoCluster;
    std::optional<QTemporaryDir> clusterShopData; // the shop's databases (the nodes have theirs)
    std::optional<shop::ShopDemo> shop;           // stopped before the servers: declared after them
    if (parser.isSet(demo)) {
        // Installed: <bin>/../libexec/streamscope; in a build tree: next to streamscope.
        const auto services = shop::ShopDemo::findServices(
            shop::ShopDemo::serviceDirs(QCoreApplication::applicationDirPath()));
        if (!services.ok()) {
            std::fprintf(stderr, "streamscope --demo: %s\n", qPrintable(services.error().message));
            return 3;
        }
        ConnectionSettings settings;
        QString dataDir, redisUrl;
        if (parser.isSet(cluster)) {
            if (Error e = demoCluster.start()) {
                std::fprintf(stderr, "streamscope --demo --cluster: %s\n", qPrintable(e.message));
                return 3;
            }
            QStringList nodes;
            for (int i = 0; i < demoCluster.size(); ++i)
                nodes << QStringLiteral("127.0.0.1:%1 (pid %2)")
                             .arg(demoCluster.node(i).port())
                             .arg(demoCluster.node(i).processId());
            dataDir = clusterShopData.emplace().path();
            std::fprintf(stderr,
                         "streamscope --demo --cluster: private Redis Cluster, 3 primaries and 3 "
                         "replicas: %s (the shop's data in %s)\n",
                         qPrintable(nodes.join(QStringLiteral(", "))), qPrintable(dataDir));
            settings = demoCluster.settings(0);
            redisUrl = demoCluster.url(0);
        } else {
            if (Error e = demoServer.start()) {
                std::fprintf(stderr, "streamscope --demo: %s\n", qPrintable(e.message));
                return 3;
            }
            std::fprintf(stderr, "streamscope --demo: private redis-server at %s (data in %s)\n",
                         qPrintable(ConnectionSettings::redactUrl(demoServer.url())),
                         qPrintable(demoServer.dir()));
            settings = demoServer.settings();
            redisUrl = demoServer.url();
            dataDir = demoServer.dir();
        }
        shop::ShopDemo::Options shopOptions;
        shopOptions.binDir = services.value();
        shopOptions.dataDir = dataDir;
        shopOptions.redisUrl = redisUrl;
        if (parser.isSet(cluster))
            // A service restarted after a node was killed starts from a node that runs.
            shopOptions.currentUrl = [&demoCluster] {
                for (int i = 0; i < demoCluster.size(); ++i)
                    if (demoCluster.node(i).isRunning())
                        return demoCluster.url(i);
                return QString();
            };
        // Watched: when one stops, the banner says so and offers to start it again.
        if (parser.isSet(cluster))
            for (int i = 0; i < demoCluster.size(); ++i)
                shopOptions.servers.push_back(&demoCluster.node(i));
        else
            shopOptions.servers.push_back(&demoServer);
        shop.emplace(std::move(shopOptions));
        if (Error e = shop->start()) {
            std::fprintf(stderr, "streamscope --demo: %s\n", qPrintable(e.message));
            return 3;
        }
        // What of the demo stopped, above everything, with a button to restart it.
        auto *demoBanner = new DemoBanner(&window);
        window.addBanner(demoBanner);
        showDemoOn(demoBanner, &*shop);
        settings.readOnly = window.isReadOnly();
        window.connectTo(settings);
        window.setRememberConnection(false); // its port is gone when the demo ends
    } else if (fromFlags) {
        fromFlags->readOnly = window.isReadOnly();
        std::fprintf(stderr, "streamscope: connecting to %s\n",
                     qPrintable(fromFlags->displayUrl()));
        window.connectTo(*fromFlags);
    } else if (lastConnection.startsWith(QLatin1String("saved:"))) {
        window.connectSaved(lastConnection.mid(6));
    } else if (!lastConnection.isEmpty()) {
        if (auto settings = ConnectionSettings::fromUrl(lastConnection); settings.ok()) {
            settings->readOnly = window.isReadOnly();
            window.connectTo(settings.value());
        }
    }
    if (parser.isSet(publishTemplate)) {
        if (!window.publishView()->loadTemplate(parser.value(publishTemplate))) {
            std::fprintf(stderr, "streamscope: there is no template called %s\n",
                         qPrintable(parser.value(publishTemplate)));
            return 2;
        }
        window.showTab(QStringLiteral("publish"));
    }
    if (parser.isSet(browse)) {
        window.tabs()->setCurrentWidget(window.browser());
        // In the demo the shop needs a moment to create its streams and place orders.
        const QByteArray stream = parser.value(browse).toUtf8();
        QTimer::singleShot(parser.isSet(demo) ? 3000 : 0, &window,
                           [&window, stream] { window.browser()->openStream(stream); });
    }
    if (size)
        window.resize(*size);
    window.show();

    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        const int after = parser.value(screenshotAfter).toInt();
        QTimer::singleShot(qMax(0, after), &window, [&window, file] {
            const bool saved = window.grab().save(file, "PNG");
            if (!saved)
                std::fprintf(stderr, "streamscope: cannot write %s\n", qPrintable(file));
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return QApplication::exec();
}
