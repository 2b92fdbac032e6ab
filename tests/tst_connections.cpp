// Saved connections and the restored layout: names, URLs, read-only flags and colour tags in
// QSettings; passwords in the keychain or in memory, never in the settings file; a saved
// connection to a password-protected server; and the window's layout coming back.
#include "FlowView.h"
#include "MainWindow.h"
#include "SavedConnections.h"
#include "StreamListModel.h"
#include "TestRedis.h"

#include <QApplication>
#include <QFile>
#include <QHeaderView>
#include <QLineEdit>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUuid>

using namespace streamscope;
using namespace streamscope::test;

class TestConnections : public QObject {
    Q_OBJECT
private:
    QByteArray settingsFileBytes(QSettings &settings) {
        settings.sync();
        QFile f(settings.fileName());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }

private Q_SLOTS:
    void initTestCase() {
        registerCoreMetaTypes();
        STREAMSCOPE_START_REDIS(m_server);
        QVERIFY(m_dir.isValid());
    }

    void passwordsNeverInTheSettingsFile() {
        QSettings settings(m_dir.filePath(QStringLiteral("a.ini")), QSettings::IniFormat);
        // A service name of our own: a real keychain, when this machine has one, is left clean.
        SecretStore secrets(QStringLiteral("StreamScope-test-") + QUuid::createUuid().toString());
        ConnectionStore store(&settings, &secrets);
        const QString secret = QStringLiteral("s3cret-P4ss-%1").arg(QUuid::createUuid().toString());
        QString note;
        QVERIFY(!store.save({QStringLiteral("prod"), QStringLiteral("redis://10.0.0.5:6380/2"),
                             true, QColor(0xc62828), false},
                            secret, &note));
        // And a password typed into the URL is moved out of it.
        const QString inUrl =
            QStringLiteral("url-pw-%1").arg(QUuid::createUuid().toString(QUuid::Id128));
        QVERIFY(!store.save({QStringLiteral("staging"),
                             QStringLiteral("redis://ops:%1@127.0.0.1:7000").arg(inUrl),
                             false,
                             {},
                             false},
                            {}));
        const QByteArray file = settingsFileBytes(settings);
        QVERIFY(!file.isEmpty());
        QVERIFY(file.contains("10.0.0.5"));
        QVERIFY2(!file.contains(secret.toUtf8()), file.constData());
        QVERIFY2(!file.contains(inUrl.toUtf8()), file.constData());

        const QList<SavedConnection> saved = store.list();
        QCOMPARE(saved.size(), 2);
        QCOMPARE(saved.at(0).name, QStringLiteral("prod"));
        QCOMPARE(saved.at(0).url, QStringLiteral("redis://10.0.0.5:6380/2"));
        QVERIFY(saved.at(0).readOnly);
        QCOMPARE(saved.at(0).colour, QColor(0xc62828));
        QVERIFY(saved.at(0).hasPassword);
        QCOMPARE(saved.at(1).url, QStringLiteral("redis://ops:@127.0.0.1:7000"));

        // This session gets the passwords back, wherever they went.
        auto prod = store.settingsFor(saved.at(0), nullptr);
        QVERIFY(prod.ok());
        QCOMPARE(prod->password, secret);
        QVERIFY(prod->readOnly);
        QCOMPARE(store.settingsFor(saved.at(1), nullptr)->password, inUrl);

        // A new session: from the keychain if there is one, otherwise the user is asked.
        SecretStore later(QStringLiteral("StreamScope-test-") + QUuid::createUuid().toString());
        ConnectionStore restarted(&settings, &later);
        int asked = 0;
        auto again = restarted.settingsFor(saved.at(0), [&](const QString &name) {
            ++asked;
            return std::optional<QString>(name == QLatin1String("prod") ? QStringLiteral("typed")
                                                                        : QString());
        });
        QVERIFY(again.ok());
        QCOMPARE(asked, 1); // a different service name: nothing stored there
        QCOMPARE(again->password, QStringLiteral("typed"));
        QVERIFY(!settingsFileBytes(settings).contains("typed"));
        // Declining the question is an error that says what to do.
        auto declined = restarted.settingsFor(
            saved.at(1), [](const QString &) { return std::optional<QString>(); });
        QVERIFY(!declined.ok());
        QVERIFY(declined.error().message.contains(QLatin1String("not stored")));

        store.remove(QStringLiteral("prod"));
        store.remove(QStringLiteral("staging"));
        QVERIFY(store.list().isEmpty());
        QVERIFY(!store.save({QString(), QStringLiteral("redis://x"), false, {}, false}, {})
                     .message.isEmpty());
        QVERIFY(
            store.save({QStringLiteral("bad"), QStringLiteral("http://x"), false, {}, false}, {})
                .message.contains(QLatin1String("redis://")));
    }

    void savedConnectionToAProtectedServer() {
        LocalRedisServer::Options options;
        options.extraArgs = {QStringLiteral("--requirepass"), QStringLiteral("hunter2")};
        LocalRedisServer locked(options);
        STREAMSCOPE_START_REDIS(locked);
        QSettings settings(m_dir.filePath(QStringLiteral("b.ini")), QSettings::IniFormat);
        MainWindow window;
        window.setSettingsStore(&settings);
        window.askPassword = [](const QString &) { return std::optional<QString>(); };
        ConnectionSettings url = locked.settings();
        QVERIFY(!window.connectionStore()->save(
            {QStringLiteral("locked"), url.displayUrl(false), true, QColor(0x1565c0), false},
            QStringLiteral("hunter2")));
        QVERIFY(!settingsFileBytes(settings).contains("hunter2"));
        QVERIFY(window.connectSaved(QStringLiteral("locked")));
        QTRY_COMPARE_WITH_TIMEOUT(window.stateText().contains(QLatin1String("live")), true, 10000);
        QCOMPARE(window.connectionName(), QStringLiteral("locked"));
        QVERIFY(window.isReadOnly()); // the saved flag
        QVERIFY(window.windowTitle().startsWith(QLatin1String("locked - ")));
        QVERIFY(window.windowTitle().contains(QLatin1String("read-only")));
        window.connectionStore()->remove(QStringLiteral("locked")); // a real keychain stays clean
    }

    // Choosing a saved connection whose password is not stored here, then cancelling the
    // prompt: nothing happens (no warning), and the box still names the connection in use.
    void cancelledPasswordPromptChangesNothing() {
        LocalRedisServer::Options options;
        options.extraArgs = {QStringLiteral("--requirepass"), QStringLiteral("hunter2")};
        LocalRedisServer locked(options);
        STREAMSCOPE_START_REDIS(locked);
        QSettings settings(m_dir.filePath(QStringLiteral("cancel.ini")), QSettings::IniFormat);
        {
            MainWindow first; // its secret store keeps the password; the next window's does not
            first.setSettingsStore(&settings);
            QVERIFY(!first.connectionStore()->save({QStringLiteral("in-use"),
                                                    m_server.settings().displayUrl(false), false,
                                                    QColor(), false},
                                                   {}));
            QVERIFY(!first.connectionStore()->save({QStringLiteral("locked"),
                                                    locked.settings().displayUrl(false), false,
                                                    QColor(), false},
                                                   QStringLiteral("hunter2")));
        }
        MainWindow window;
        window.setSettingsStore(&settings);
        bool asked = false;
        window.askPassword = [&](const QString &) {
            asked = true;
            return std::optional<QString>();
        };
        QVERIFY(window.connectSaved(QStringLiteral("in-use")));
        QCOMPARE(window.savedBoxSelection(), QStringLiteral("in-use"));
        int warnings = 0;
        QTimer closer; // a warning would be modal: count it and close it
        connect(&closer, &QTimer::timeout, [&] {
            if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
                ++warnings;
                box->reject();
            }
        });
        closer.start(20);
        QVERIFY(!window.connectSaved(QStringLiteral("locked")));
        QVERIFY(asked);
        QCOMPARE(warnings, 0);
        QCOMPARE(window.savedBoxSelection(), QStringLiteral("in-use"));
        QCOMPARE(window.connectionName(), QStringLiteral("in-use"));
        window.connectionStore()->remove(QStringLiteral("locked"));
        window.connectionStore()->remove(QStringLiteral("in-use"));
    }

    // A saved ACL user comes back as that user, with or without a stored password: "ops@" in
    // the settings file used to be read as the password "ops" (WRONGPASS at the next start).
    void savedUserRoundTrips() {
        auto admin = connectTo(m_server.settings());
        run(*admin, {"ACL", "SETUSER", "ops", "on", ">opspw", "~*", "+@all"});
        run(*admin, {"ACL", "SETUSER", "viewer", "on", "nopass", "~*", "+@all"});
        QSettings settings(m_dir.filePath(QStringLiteral("users.ini")), QSettings::IniFormat);
        SecretStore secrets(QStringLiteral("StreamScope-test-") + QUuid::createUuid().toString());
        ConnectionStore store(&settings, &secrets);
        const QString port = QString::number(m_server.port());
        QVERIFY(!store.save({QStringLiteral("ops"),
                             QStringLiteral("redis://ops:opspw@127.0.0.1:%1").arg(port),
                             false,
                             {},
                             false},
                            {}));
        QVERIFY(!store.save({QStringLiteral("viewer"),
                             QStringLiteral("redis://viewer:@127.0.0.1:%1").arg(port),
                             false,
                             {},
                             false},
                            {}));
        // What an earlier version wrote for a user without a password.
        settings.setValue(QStringLiteral("connections/legacy/url"),
                          QStringLiteral("redis://viewer@127.0.0.1:%1").arg(port));
        QVERIFY(!settingsFileBytes(settings).contains("opspw"));
        for (const auto &[name, user] : {std::pair{"ops", "ops"}, std::pair{"viewer", "viewer"},
                                         std::pair{"legacy", "viewer"}}) {
            auto saved = store.find(QString::fromLatin1(name));
            QVERIFY2(saved, name);
            auto s = store.settingsFor(*saved, nullptr);
            QVERIFY2(s.ok(), name);
            QCOMPARE(s->user, QString::fromLatin1(user));
            if (QByteArray(user) == "viewer") { // not read as the password "viewer"
                QVERIFY2(s->password.isEmpty(), name);
                continue; // like redis-cli, a user without a password sends no AUTH
            }
            RedisConnection c(s.value());
            const Error e = c.open();
            QVERIFY2(!e, qPrintable(e.message));
            QCOMPARE(run(c, {"ACL", "WHOAMI"}).bytes(), QByteArray(user));
        }
        store.remove(QStringLiteral("ops"));
        store.remove(QStringLiteral("viewer"));
        store.remove(QStringLiteral("legacy"));
    }

    // The GUI's error box quotes a URL it cannot use without its password; a URL it connected
    // with is shown with ":***".
    void errorBoxHidesThePassword() {
        MainWindow window;
        window.show();
        QLineEdit *url = nullptr;
        for (QLineEdit *edit : window.findChildren<QLineEdit *>())
            if (edit->placeholderText().startsWith(QLatin1String("redis://")))
                url = edit;
        QVERIFY(url);
        QString boxText;
        QTimer::singleShot(0, &window, [&] {
            QTRY_VERIFY(qobject_cast<QMessageBox *>(QApplication::activeModalWidget()));
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            boxText = box->text();
            box->accept();
        });
        url->setText(QStringLiteral("redis://ops:hunter2-secret@127.0.0.1:99999"));
        QTest::keyClick(url, Qt::Key_Return);
        QTRY_VERIFY(!boxText.isEmpty());
        QVERIFY2(boxText.contains(QLatin1String("99999")), qPrintable(boxText));
        QVERIFY2(!boxText.contains(QLatin1String("hunter2")), qPrintable(boxText));

        auto admin = connectTo(m_server.settings());
        run(*admin, {"ACL", "SETUSER", "ops", "on", ">opspw", "~*", "+@all"});
        url->setText(QStringLiteral("redis://ops:opspw@127.0.0.1:%1").arg(m_server.port()));
        QTest::keyClick(url, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(window.stateText().contains(QLatin1String("live")), true, 10000);
        QCOMPARE(url->text(), QStringLiteral("redis://ops:***@127.0.0.1:%1").arg(m_server.port()));
    }

    void layoutComesBack() {
        auto c = connectTo(m_server.settings());
        run(*c, {"FLUSHALL"});
        for (const char *s : {"alpha", "beta", "gamma"})
            addEntries(*c, s, 0, 3);
        const QString file = m_dir.filePath(QStringLiteral("layout.ini"));
        QList<int> sizes;
        {
            QSettings settings(file, QSettings::IniFormat);
            MainWindow window;
            window.setSettingsStore(&settings);
            window.resize(1100, 700);
            window.show();
            window.connectTo(m_server.settings());
            QTRY_COMPARE_WITH_TIMEOUT(window.streamModel()->rowCount(), 3, 10000);
            window.streamView()->selectRow(1); // beta
            QCOMPARE(window.selectedStreams(), QStringList{QStringLiteral("beta")});
            auto *split = window.findChild<QSplitter *>(QStringLiteral("mainSplitter"));
            split->setSizes({250, 850});
            sizes = split->sizes();
            window.eventView()->horizontalHeader()->resizeSection(1, 222);
            QVERIFY(window.showTab(QStringLiteral("flow")));
            FlowConfig flow;
            flow.startStream = "jobs";
            flow.endStream = "results";
            flow.keyField = "jobId";
            window.flowView()->setConfig(flow);
            window.close(); // saves
        }
        QSettings settings(file, QSettings::IniFormat);
        MainWindow window;
        window.setSettingsStore(&settings);
        const QString last = window.restoreLayout();
        QCOMPARE(last, m_server.settings().displayUrl(false));
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget *>(window.flowView()));
        QCOMPARE(window.flowView()->config().keyField, QByteArray("jobId"));
        QCOMPARE(window.flowView()->config().endStream, QByteArray("results"));
        QCOMPARE(window.eventView()->horizontalHeader()->sectionSize(1), 222);
        QCOMPARE(window.width(), 1100);
        window.show();
        QCOMPARE(window.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
        // The watched streams are selected again once the server lists them.
        window.connectTo(ConnectionSettings::fromUrl(last).value());
        QTRY_COMPARE_WITH_TIMEOUT(window.selectedStreams(), QStringList{QStringLiteral("beta")},
                                  10000);
    }

private:
    LocalRedisServer m_server;
    QTemporaryDir m_dir;
};

QTEST_MAIN(TestConnections)
#include "tst_connections.moc"
