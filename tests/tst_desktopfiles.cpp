// The desktop integration (resources/): the desktop file and the AppStream metadata pass their
// validators without a warning and agree with each other and with the files they name; the
// icon is there at every size; the app takes a redis:// URL as its argument (what a clicked
// link passes through the desktop file's "Exec=streamscope %u") and refuses anything else.

#include "TestRedis.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QIcon>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

using namespace streamscope;
using namespace streamscope::test;

namespace {

const QString appId = QStringLiteral("io.github.streamscope.StreamScope");
const QList<int> iconSizes = {16, 22, 24, 32, 48, 64, 128, 256};

QString resource(const QString &path) {
    return QStringLiteral(STREAMSCOPE_RESOURCES_DIR "/") + path;
}

QString desktopFile() {
    return resource(appId + QStringLiteral(".desktop"));
}

QString metainfoFile() {
    return resource(appId + QStringLiteral(".metainfo.xml"));
}

struct Run {
    bool started = false;
    int exitCode = -1;
    QString out, err;
};

Run runTool(const QString &program, const QStringList &arguments,
            const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment()) {
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    Run r;
    r.started = process.waitForStarted(10000);
    if (!r.started)
        return r;
    if (!process.waitForFinished(60000))
        process.kill();
    process.waitForFinished(5000);
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromUtf8(process.readAllStandardOutput());
    r.err = QString::fromUtf8(process.readAllStandardError());
    return r;
}

// key -> value of the [Desktop Entry] group.
QMap<QString, QString> desktopEntry() {
    QFile f(desktopFile());
    QMap<QString, QString> entry;
    if (!f.open(QIODevice::ReadOnly))
        return entry;
    bool inEntry = false;
    for (const QByteArray &raw : f.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        if (line.startsWith(QLatin1Char('['))) {
            inEntry = line == QLatin1String("[Desktop Entry]");
            continue;
        }
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (inEntry && eq > 0)
            entry.insert(line.left(eq), line.mid(eq + 1));
    }
    return entry;
}

QString streamscopeBinary() {
    const QString dir = qEnvironmentVariableIsEmpty("STREAMSCOPE_BIN_DIR")
                            ? QCoreApplication::applicationDirPath()
                            : qEnvironmentVariable("STREAMSCOPE_BIN_DIR");
    return dir + QStringLiteral("/streamscope");
}

// The app with no real preferences, offscreen.
QProcessEnvironment appEnvironment(const QTemporaryDir &home) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.path());
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

} // namespace

class TestDesktopFiles : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // desktop-file-validate prints warnings and hints but exits 0 for them: any output fails.
    void desktopFileValidates() {
        const Run r = runTool(QStringLiteral("desktop-file-validate"), {desktopFile()});
        QVERIFY2(r.started, "desktop-file-validate did not start: apt-get install "
                            "desktop-file-utils (scripts/deps.sh lists it)");
        QVERIFY2(r.exitCode == 0 && r.out.trimmed().isEmpty() && r.err.trimmed().isEmpty(),
                 qPrintable(QStringLiteral("exit %1: %2%3").arg(r.exitCode).arg(r.out, r.err)));
    }

    // Errors, warnings and infos all fail (pedantic notes, such as the upper case letters of
    // the reverse-DNS id that Flathub's own ids have, do not).
    void metainfoValidates() {
        const Run r = runTool(QStringLiteral("appstreamcli"),
                              {QStringLiteral("validate"), QStringLiteral("--no-net"),
                               QStringLiteral("--no-color"), metainfoFile()});
        QVERIFY2(r.started, "appstreamcli did not start: apt-get install appstream "
                            "(scripts/deps.sh lists it)");
        const QString all = r.out + r.err;
        static const QRegularExpression issue(QStringLiteral("^[EWI]: "),
                                              QRegularExpression::MultilineOption);
        QVERIFY2(r.exitCode == 0 && !all.contains(issue),
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(all)));
        QVERIFY2(all.contains(QStringLiteral("Validation was successful")), qPrintable(all));
    }

    // What the desktop file says is what the app and the install rules do.
    void desktopFileAgreesWithTheApp() {
        const auto entry = desktopEntry();
        QVERIFY2(!entry.isEmpty(), qPrintable(desktopFile()));
        QCOMPARE(entry.value(QStringLiteral("Exec")), QStringLiteral("streamscope %u"));
        QCOMPARE(entry.value(QStringLiteral("Icon")), QStringLiteral("streamscope"));
        QCOMPARE(entry.value(QStringLiteral("MimeType")),
                 QStringLiteral("x-scheme-handler/redis;x-scheme-handler/rediss;"));
        QVERIFY(
            entry.value(QStringLiteral("Categories")).startsWith(QStringLiteral("Development;")));
        // X11's WM_CLASS class is the application name (main.cpp), as GNOME matches windows.
        QCOMPARE(entry.value(QStringLiteral("StartupWMClass")), QStringLiteral("StreamScope"));
    }

    // The metainfo names the desktop file, the binaries, and screenshots that exist here at the
    // size it says.
    void metainfoAgreesWithTheFiles() {
        QFile f(metainfoFile());
        QVERIFY(f.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&f);
        QString id, launchable;
        QStringList binaries;
        int screenshots = 0;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == QLatin1String("id")) {
                id = xml.readElementText();
            } else if (xml.name() == QLatin1String("launchable")) {
                launchable = xml.readElementText();
            } else if (xml.name() == QLatin1String("binary")) {
                binaries << xml.readElementText();
            } else if (xml.name() == QLatin1String("image")) {
                const int w = xml.attributes().value(QLatin1String("width")).toInt();
                const int h = xml.attributes().value(QLatin1String("height")).toInt();
                const QString url = xml.readElementText();
                const QString local =
                    resource(QStringLiteral("screenshots/") + url.section(QLatin1Char('/'), -1));
                QVERIFY2(url.startsWith(QStringLiteral("https://")), qPrintable(url));
                const QImage image(local);
                QVERIFY2(!image.isNull(), qPrintable(local + QStringLiteral(" for ") + url));
                QCOMPARE(image.size(), QSize(w, h));
                ++screenshots;
            }
        }
        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(id, appId);
        QCOMPARE(launchable, appId + QStringLiteral(".desktop"));
        QCOMPARE(binaries,
                 (QStringList{QStringLiteral("streamscope"), QStringLiteral("streamscope-cli")}));
        QVERIFY2(screenshots >= 3, qPrintable(QString::number(screenshots)));
    }

    // Square PNGs of their size, on a transparent ground (a corner) with an opaque plate (the
    // middle); the same ones compiled into the app (resources/icons/streamscope.qrc).
    void iconAtEverySize() {
        QVERIFY(QFileInfo::exists(resource(QStringLiteral("icons/streamscope.svg"))));
        for (int px : iconSizes) {
            const QString name = QStringLiteral("icons/streamscope-%1.png").arg(px);
            const QImage image(resource(name));
            QVERIFY2(!image.isNull(), qPrintable(name));
            QCOMPARE(image.size(), QSize(px, px));
            QVERIFY2(image.hasAlphaChannel(), qPrintable(name));
            QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
            QCOMPARE(qAlpha(image.pixel(px / 2, px / 2)), 255);
            const QImage compiled(QStringLiteral(":/streamscope/icons/streamscope-%1.png").arg(px));
            QVERIFY2(compiled == image, qPrintable(name + QStringLiteral(" in the resource")));
        }
    }

    // The install rules (resources/CMakeLists.txt, component "desktop") put each file where
    // desktops look, and appstreamcli finds the tree whole: the metainfo with the desktop file
    // it launches (validate-tree looks for no icon: the loop above does).
    void installedTreeValidates() {
        QTemporaryDir dest;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("DESTDIR"), dest.path());
        const Run install =
            runTool(QStringLiteral(STREAMSCOPE_CMAKE),
                    {QStringLiteral("--install"), QStringLiteral(STREAMSCOPE_BUILD_DIR),
                     QStringLiteral("--component"), QStringLiteral("desktop"),
                     QStringLiteral("--prefix"), QStringLiteral("/usr")},
                    env);
        QVERIFY2(install.exitCode == 0, qPrintable(install.out + install.err));
        const QDir share(dest.filePath(QStringLiteral("usr/share")));
        QStringList expected{QStringLiteral("applications/") + appId + QStringLiteral(".desktop"),
                             QStringLiteral("metainfo/") + appId + QStringLiteral(".metainfo.xml"),
                             QStringLiteral("icons/hicolor/scalable/apps/streamscope.svg")};
        for (int px : iconSizes)
            expected << QStringLiteral("icons/hicolor/%1x%1/apps/streamscope.png").arg(px);
        for (const QString &file : std::as_const(expected))
            QVERIFY2(share.exists(file), qPrintable(share.filePath(file)));

        const Run r = runTool(QStringLiteral("appstreamcli"),
                              {QStringLiteral("validate-tree"), QStringLiteral("--no-net"),
                               QStringLiteral("--no-color"), dest.path()});
        QVERIFY2(r.started, "appstreamcli did not start: apt-get install appstream");
        const QString all = r.out + r.err;
        static const QRegularExpression issue(QStringLiteral("^[EWI]: "),
                                              QRegularExpression::MultilineOption);
        QVERIFY2(r.exitCode == 0 && !all.contains(issue)
                     && all.contains(appId + QStringLiteral(".metainfo.xml")),
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(all)));
    }

    // "streamscope redis://127.0.0.1:PORT/2" connects there, as --url would: its connections
    // name themselves (CLIENT SETNAME) and select database 2 on this private server.
    void urlArgumentConnects() {
        LocalRedisServer server;
        STREAMSCOPE_START_REDIS(server);
        auto admin = connectTo(server.settings());
        QVERIFY(admin);
        const qint64 namesBefore = commandCalls(*admin, "client|setname");
        const qint64 selectsBefore = commandCalls(*admin, "select");

        QTemporaryDir home;
        const QString png = home.filePath(QStringLiteral("shot.png"));
        const QString url = QStringLiteral("redis://127.0.0.1:%1/2").arg(server.port());
        const Run r = runTool(streamscopeBinary(),
                              {url, QStringLiteral("--screenshot"), png,
                               QStringLiteral("--screenshot-after"), QStringLiteral("1500")},
                              appEnvironment(home));
        QVERIFY2(r.started, qPrintable(streamscopeBinary()));
        QVERIFY2(r.exitCode == 0,
                 qPrintable(QStringLiteral("exit %1: %2").arg(r.exitCode).arg(r.err)));
        QVERIFY2(
            r.err.contains(QStringLiteral("connecting to redis://127.0.0.1:%1").arg(server.port())),
            qPrintable(r.err));
        QVERIFY(QFileInfo::exists(png));
        QVERIFY2(commandCalls(*admin, "client|setname") > namesBefore, "the app never connected");
        QVERIFY2(commandCalls(*admin, "select") > selectsBefore,
                 "the app did not select the URL's database");
    }

    void notAUrlIsRefused_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("expected");
        QTest::newRow("word") << QStringList{QStringLiteral("not-a-url")}
                              << QStringLiteral("\"not-a-url\" is not a Redis URL");
        QTest::newRow("host") << QStringList{QStringLiteral("localhost:6379")}
                              << QStringLiteral("\"localhost:6379\" is not a Redis URL");
        QTest::newRow("two") << QStringList{QStringLiteral("redis://a"),
                                            QStringLiteral("redis://b")}
                             << QStringLiteral("give one URL");
        QTest::newRow("scheme") << QStringList{QStringLiteral("http://example.com")}
                                << QStringLiteral("unknown scheme \"http\"");
        QTest::newRow("twice") << QStringList{QStringLiteral("redis://a"), QStringLiteral("--url"),
                                              QStringLiteral("redis://b")}
                               << QStringLiteral("give the URL once");
        QTest::newRow("demo") << QStringList{QStringLiteral("redis://a"), QStringLiteral("--demo")}
                              << QStringLiteral("or --demo, not both");
    }

    // Refused before any window or connection: exit 2, a message that says what is wrong.
    void notAUrlIsRefused() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, expected);
        QTemporaryDir home;
        const QString png = home.filePath(QStringLiteral("shot.png"));
        const Run r = runTool(streamscopeBinary(),
                              arguments + QStringList{QStringLiteral("--screenshot"), png},
                              appEnvironment(home));
        QVERIFY2(r.started, qPrintable(streamscopeBinary()));
        QVERIFY2(r.err.contains(expected), qPrintable(r.err));
        QCOMPARE(r.exitCode, 2);
        QVERIFY(!QFileInfo::exists(png));
    }
};

QTEST_MAIN(TestDesktopFiles)
#include "tst_desktopfiles.moc"
