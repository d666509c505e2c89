# ruff: noqa: RUF001  (Turkish, Arabic and Persian letters are meant)
"""The demo pages in English, Arabic, Tigrinya, Turkish and Persian: for each language, each
Dutch text of the demo pages (``seed_demo``'s ``_pages``) and its translation, as a translator
would fill a PO file exported from wagtail-localize.

Plain language (B1), formal address. The names of the Dutch programmes and bodies (B1-route,
Z-route, onderwijsroute, MAP, PVT, DUO, Keurmerk Inburgeren, Wet inburgering 2021) stay in Latin
script, as on letters from DUO and the municipality; a short explanation follows where it
helps. Drafts for review by a native speaker (see ``locale/README.md``)."""

from __future__ import annotations

HOME_TITLE = "Inburgeren in IJmond en Zuid-Kennemerland"
HOME_INTRO = (
    "Vind een taalcursus, de B1-route, de Z-route, de onderwijsroute, MAP of PVT bij u in de "
    "buurt. Vergelijk scholen en schrijf u in."
)
CATALOGUE_TITLE = "Cursusaanbod"
CATALOGUE_INTRO = (
    "Kies filters om cursussen te vinden die bij u passen. Zet 2 tot 4 cursussen op uw "
    "vergelijklijst om ze naast elkaar te zien."
)
ABOUT_TITLE = "Over inburgering"
ABOUT_INTRO = "Wat de Wet inburgering 2021 van u vraagt en wat de gemeente voor u doet."
ABOUT_ROUTES_HEADING = "Drie leerroutes"
ABOUT_ROUTES = (
    "Er zijn drie leerroutes: de B1-route, de onderwijsroute en de zelfredzaamheidsroute "
    "(Z-route). Iedereen doet ook de Module Arbeidsmarkt en Participatie (MAP) en het "
    "participatieverklaringstraject (PVT)."
)
ABOUT_PAYING_HEADING = "Zelf betalen of lenen bij DUO"
ABOUT_PAYING = (
    "Gezinsmigranten kiezen zelf een school en betalen zelf, of lenen bij DUO. Met een "
    "DUO-lening kiest u een school met het Keurmerk Inburgeren."
)
STATEMENT_TITLE = "Toegankelijkheidsverklaring"
STATEMENT_INTRO = "Routewijzer wil voor iedereen bruikbaar zijn."
STATEMENT = (
    "Deze website streeft naar naleving van WCAG 2.1 niveau AA (EN 301 549). Elke wijziging "
    "wordt automatisch getest met axe-core. Loopt u toch tegen een probleem aan? Mail naar "
    "toegankelijkheid@routewijzer.example; we antwoorden binnen vijf werkdagen."
)

PAGE_TRANSLATIONS: dict[str, dict[str, str]] = {
    "en": {
        HOME_TITLE: "Civic integration in IJmond and Zuid-Kennemerland",
        HOME_INTRO: (
            "Find a language course, the B1-route, the Z-route, the onderwijsroute, MAP or "
            "PVT near you. Compare schools and sign up."
        ),
        CATALOGUE_TITLE: "Courses",
        CATALOGUE_INTRO: (
            "Choose filters to find courses that suit you. Put 2 to 4 courses on your "
            "comparison list to see them side by side."
        ),
        ABOUT_TITLE: "About civic integration",
        ABOUT_INTRO: (
            "What the civic integration law (Wet inburgering 2021) asks of you and what the "
            "municipality does for you."
        ),
        ABOUT_ROUTES_HEADING: "Three learning routes",
        ABOUT_ROUTES: (
            "There are three learning routes: the B1-route, the onderwijsroute (education "
            "route) and the zelfredzaamheidsroute (Z-route). Everyone also does the Module "
            "Arbeidsmarkt en Participatie (MAP) and the participatieverklaringstraject (PVT)."
        ),
        ABOUT_PAYING_HEADING: "Pay yourself or borrow from DUO",
        ABOUT_PAYING: (
            "Family migrants choose a school and pay for it themselves, or borrow from DUO. "
            "With a DUO loan, you choose a school with the Keurmerk Inburgeren (quality mark)."
        ),
        STATEMENT_TITLE: "Accessibility statement",
        STATEMENT_INTRO: "Routewijzer wants to be easy to use for everyone.",
        STATEMENT: (
            "This website aims to meet WCAG 2.1 level AA (EN 301 549). Every change is tested "
            "automatically with axe-core. Do you still have a problem? Send an e-mail to "
            "toegankelijkheid@routewijzer.example. We answer within five working days."
        ),
    },
    "ar": {
        HOME_TITLE: "الاندماج في IJmond و Zuid-Kennemerland",
        HOME_INTRO: (
            "ابحث عن دورة لغة أو B1-route أو Z-route أو onderwijsroute أو MAP أو PVT قريبة "
            "منك. قارن بين المدارس وسجّل."
        ),
        CATALOGUE_TITLE: "الدورات",
        CATALOGUE_INTRO: (
            "اختر الفلاتر لتجد الدورات المناسبة لك. ضع من 2 إلى 4 دورات في قائمة المقارنة "
            "لتراها جنبًا إلى جنب."
        ),
        ABOUT_TITLE: "عن الاندماج",
        ABOUT_INTRO: (
            "ما يطلبه منك قانون الاندماج (Wet inburgering 2021) وما تفعله البلدية من أجلك."
        ),
        ABOUT_ROUTES_HEADING: "ثلاثة مسارات للتعلّم",
        ABOUT_ROUTES: (
            "هناك ثلاثة مسارات للتعلّم: B1-route و onderwijsroute (مسار الدراسة) و "
            "zelfredzaamheidsroute ‏(Z-route). ويشارك الجميع أيضًا في وحدة سوق العمل "
            "والمشاركة (MAP) وفي مسار بيان المشاركة (PVT)."
        ),
        ABOUT_PAYING_HEADING: "الدفع بنفسك أو الاقتراض من DUO",
        ABOUT_PAYING: (
            "المهاجرون لأسباب عائلية يختارون المدرسة بأنفسهم ويدفعون بأنفسهم، أو يقترضون من "
            "DUO. مع قرض من DUO تختار مدرسة لديها Keurmerk Inburgeren (علامة الجودة)."
        ),
        STATEMENT_TITLE: "بيان سهولة الوصول",
        STATEMENT_INTRO: "يريد Routewijzer أن يكون سهل الاستخدام للجميع.",
        STATEMENT: (
            "يسعى هذا الموقع إلى تلبية معيار WCAG 2.1 المستوى AA ‏(EN 301 549). يُختبر كل "
            "تغيير تلقائيًا باستخدام axe-core. هل ما زالت لديك مشكلة؟ أرسل بريدًا إلكترونيًا "
            "إلى toegankelijkheid@routewijzer.example. نرد خلال خمسة أيام عمل."
        ),
    },
    "ti": {
        HOME_TITLE: "ምውህሃድ ኣብ IJmond ከምኡ'ውን Zuid-Kennemerland",
        HOME_INTRO: (
            "ኣብ ጥቓኹም ትምህርቲ ቋንቋ፡ B1-route፡ Z-route፡ onderwijsroute፡ MAP ወይ PVT ድለዩ። "
            "ኣብያተ ትምህርቲ ኣወዳድሩ እሞ ተመዝገቡ።"
        ),
        CATALOGUE_TITLE: "ትምህርትታት",
        CATALOGUE_INTRO: (
            "ዝሰማምዑኹም ትምህርትታት ንምርካብ መጻረዪ ምረጹ። ጎኒ ንጎኒ ንምርኣዮም፡ ካብ 2 ክሳብ 4 ትምህርትታት ኣብ ዝርዝር ምውዳድ ኣእትዉ።"
        ),
        ABOUT_TITLE: "ብዛዕባ ምውህሃድ",
        ABOUT_INTRO: (
            "ሕጊ ምውህሃድ (Wet inburgering 2021) እንታይ ካባኹም ከም ዝሓትት፡ ምምሕዳር ከተማ ድማ እንታይ ከም ዝገብረልኩም።"
        ),
        ABOUT_ROUTES_HEADING: "ሰለስተ መስመራት ትምህርቲ",
        ABOUT_ROUTES: (
            "ሰለስተ መስመራት ትምህርቲ ኣለዉ፡ B1-route፡ onderwijsroute (መስመር ትምህርቲ) ከምኡ'ውን "
            "zelfredzaamheidsroute (Z-route)። ኩሉ ሰብ ድማ Module Arbeidsmarkt en Participatie "
            "(MAP) ከምኡ'ውን participatieverklaringstraject (PVT) ይወስድ።"
        ),
        ABOUT_PAYING_HEADING: "ባዕልኹም ምኽፋል ወይ ካብ DUO ምልቃሕ",
        ABOUT_PAYING: (
            "ብስድራቤት ዝመጹ ሰባት ባዕሎም ቤት ትምህርቲ ይመርጹ ባዕሎም ድማ ይኸፍሉ፡ ወይ ካብ DUO "
            "ይልቅሑ። ብልቓሕ DUO እንተ ተማሂርኩም፡ Keurmerk Inburgeren (ምልክት ጽሬት) ዘለዎ ቤት "
            "ትምህርቲ ትመርጹ።"
        ),
        STATEMENT_TITLE: "መግለጺ ተበጻሕነት",
        STATEMENT_INTRO: "Routewijzer ንኹሉ ሰብ ቀሊል ክኸውን ይደሊ።",
        STATEMENT: (
            "እዚ መርበብ ሓበሬታ WCAG 2.1 ደረጃ AA (EN 301 549) ከማልእ ይጽዕር። ነፍሲ ወከፍ ለውጢ "
            "ብ axe-core ብኣውቶማቲክ ይፍተን። ሕጂ'ውን ጸገም ኣለኩም ድዩ? ናብ "
            "toegankelijkheid@routewijzer.example ኢመይል ስደዱ። ኣብ ውሽጢ ሓሙሽተ መዓልቲ ስራሕ "
            "ንምልሰልኩም።"
        ),
    },
    "tr": {
        HOME_TITLE: "IJmond ve Zuid-Kennemerland'da uyum süreci",
        HOME_INTRO: (
            "Yakınınızda bir dil kursu, B1-route, Z-route, onderwijsroute, MAP veya PVT bulun. "
            "Okulları karşılaştırın ve kaydolun."
        ),
        CATALOGUE_TITLE: "Kurslar",
        CATALOGUE_INTRO: (
            "Size uygun kursları bulmak için filtreleri seçin. Kursları yan yana görmek için "
            "karşılaştırma listenize 2 ile 4 arasında kurs ekleyin."
        ),
        ABOUT_TITLE: "Uyum süreci hakkında",
        ABOUT_INTRO: (
            "Uyum yasasının (Wet inburgering 2021) sizden ne istediği ve belediyenin sizin için "
            "ne yaptığı."
        ),
        ABOUT_ROUTES_HEADING: "Üç öğrenme yolu",
        ABOUT_ROUTES: (
            "Üç öğrenme yolu vardır: B1-route, onderwijsroute (eğitim yolu) ve "
            "zelfredzaamheidsroute (Z-route). Herkes ayrıca Module Arbeidsmarkt en Participatie "
            "(MAP) ve participatieverklaringstraject (PVT) programlarını da yapar."
        ),
        ABOUT_PAYING_HEADING: "Kendiniz ödeyin veya DUO'dan borç alın",
        ABOUT_PAYING: (
            "Aile birleşimiyle gelen göçmenler okulu kendileri seçer ve kendileri öder ya da "
            "DUO'dan borç alır. DUO kredisiyle Keurmerk Inburgeren (kalite belgesi) olan bir "
            "okul seçersiniz."
        ),
        STATEMENT_TITLE: "Erişilebilirlik beyanı",
        STATEMENT_INTRO: "Routewijzer herkes için kolay kullanılabilir olmak ister.",
        STATEMENT: (
            "Bu web sitesi WCAG 2.1 AA düzeyine (EN 301 549) uymayı amaçlar. Her değişiklik "
            "axe-core ile otomatik olarak test edilir. Yine de bir sorununuz mu var? "
            "toegankelijkheid@routewijzer.example adresine e-posta gönderin. Beş iş günü "
            "içinde yanıt veririz."
        ),
    },
    "fa": {
        HOME_TITLE: "ادغام در IJmond و Zuid-Kennemerland",
        HOME_INTRO: (
            "یک دوره زبان، B1-route، Z-route، onderwijsroute، MAP یا PVT در نزدیکی خود پیدا "
            "کنید. مدرسه‌ها را مقایسه کنید و ثبت‌نام کنید."
        ),
        CATALOGUE_TITLE: "دوره‌ها",
        CATALOGUE_INTRO: (
            "فیلترها را انتخاب کنید تا دوره‌های مناسب خود را پیدا کنید. 2 تا 4 دوره را در "
            "فهرست مقایسه بگذارید تا آن‌ها را کنار هم ببینید."
        ),
        ABOUT_TITLE: "درباره ادغام",
        ABOUT_INTRO: (
            "قانون ادغام (Wet inburgering 2021) از شما چه می‌خواهد و شهرداری برای شما چه می‌کند."
        ),
        ABOUT_ROUTES_HEADING: "سه مسیر یادگیری",
        ABOUT_ROUTES: (
            "سه مسیر یادگیری وجود دارد: B1-route، onderwijsroute (مسیر تحصیلی) و "
            "zelfredzaamheidsroute (Z-route). همه همچنین Module Arbeidsmarkt en Participatie "
            "(MAP) و participatieverklaringstraject (PVT) را می‌گذرانند."
        ),
        ABOUT_PAYING_HEADING: "خودتان پرداخت کنید یا از DUO وام بگیرید",
        ABOUT_PAYING: (
            "مهاجرانی که برای پیوستن به خانواده آمده‌اند، خودشان مدرسه را انتخاب می‌کنند و "
            "خودشان پول آن را می‌دهند، یا از DUO وام می‌گیرند. با وام DUO مدرسه‌ای را انتخاب "
            "می‌کنید که Keurmerk Inburgeren (نشان کیفیت) دارد."
        ),
        STATEMENT_TITLE: "بیانیه دسترس‌پذیری",
        STATEMENT_INTRO: "Routewijzer می‌خواهد برای همه آسان باشد.",
        STATEMENT: (
            "این وب‌سایت تلاش می‌کند با WCAG 2.1 سطح AA ‏(EN 301 549) مطابق باشد. هر تغییر به "
            "طور خودکار با axe-core آزمایش می‌شود. باز هم مشکلی دارید؟ به "
            "toegankelijkheid@routewijzer.example ایمیل بزنید. ما در پنج روز کاری پاسخ "
            "می‌دهیم."
        ),
    },
}
