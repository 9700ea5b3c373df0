"""The offline provider of the ``reply_intent`` task: a rule classifier for hotels' replies.

Phrase rules in English, German, French, Spanish and Italian (Dutch, Portuguese, Swedish, Danish,
Norwegian, Polish, Russian and Japanese for the common phrases; Japanese ones without word
boundaries, which its script does not have) sort the new text of a reply (``quoting.reply_text``) into one intent. When
several apply, the order of ``prompts.SYSTEM_PROMPT`` decides, the same order the remote models
are given: unsubscribe, delegated, not_interested, meeting_request, needs_more_info, interested.
Negations are matched first and masked, so "not interested" or "no nos interesa" never count as
interest. Some phrases weigh more than their words: asking for a proposal or for the next steps
is interest, not a question; a generic question ("what would...?") needs more information only
when the reply states no interest, a topical one (price, how it works) always; a day with a time
offered to talk or asked as a question is a meeting request; the person a reply hands us over to
is the name right after "contact", "wenden Sie sich an", "géré par", "se encarga", "si occupa"...

Confidence is what the rules can honestly claim: 0.75-0.9 for a clear phrase, below 0.7 when the
evidence is weak (a bare question, a lone "gerne") or contradicts itself (an unsubscribe request
that also asks for a call), so such replies go to a person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING

from jengu_assets.phrases import Phrases
from jengu_assets.replies.dates import find_dates
from jengu_assets.replies.prompts import (
    REPLY_INTENT_TASK,
    SYSTEM_PROMPT,
    DelegatedContact,
    Intent,
    MeetingPreferences,
    ReplyAnalysis,
    ReplyDetails,
    Sentiment,
    reply_from_prompt,
    reply_intent_prompt,
)

if TYPE_CHECKING:  # the LLM layer pulls in Dagster and both SDKs; the CLI needs none of them
    from jengu_resources.llm import PromptContext

MAX_CLASSIFIED_CHARS = 8000
LOW_CONFIDENCE = 0.7


def _rules(*patterns: str) -> Phrases:
    """One rule set: its phrases as one case-insensitive alternation, searched over only the
    phrases whose words the text holds (``phrases.Phrases``)."""
    return Phrases(patterns, re.IGNORECASE)


_UNSUBSCRIBE = _rules(
    r"\bunsubscrib", r"\bremove (me|us|my|our)\b", r"\btake (me|us|my|our) .{0,20}\boff\b",
    r"\bstop (e-?mailing|contacting|sending|writing|spamming)",
    r"\b(do not|don't|dont|never) (contact|e-?mail|write to|message|spam) (me|us)\b",
    r"\bopt(ed)?[- ]?out\b", r"\b(no|any) (more|further) (e-?mails|emails|messages|mails)\b",
    r"\bdelete (my|our) (data|details|address|e-?mail|contact)",
    r"\b(do not|don't|no longer) (wish|want) to receive\b",
    # de
    r"\babmelden\b", r"\babmeldung\b", r"\baustragen\b", r"\btragen sie (mich|uns) .{0,60}\baus\b",
    r"\bkeine (weiteren |weitere )?(e-?mails|nachrichten|werbung|mails|zuschriften)\b",
    r"\bnicht mehr (zu )?(kontaktieren|anschreiben|schreiben|anzuschreiben)",
    r"\blöschen sie (meine|unsere)", r"\baus (ihrem|dem|ihren) (verteiler|e-?mail-?verteiler)",
    r"\b(streichen|nehmen|entfernen) sie (mich|uns)\b.{0,40}\b(liste|verteiler|kartei|datei)",
    # fr
    r"\bdésinscri", r"\bdesinscri", r"\bdésabonn", r"\bdesabonn", r"\bretirez[- ](moi|nous)\b",
    r"\bretirer (mon|notre|nos) (adresse|e-?mail|coordonnées)",
    r"\bne (plus )?(me|nous) (plus )?(contacter|écrire|envoyer|solliciter)",
    r"\bsupprime[zr] (mon|notre|nos|mes) (adresse|e-?mail|coordonnées|données)",
    r"\b(nous|me) (retirer|supprimer|enlever|radier) (de|des) (votre|vos|la|les) (liste|fichier)",
    r"\bne (souhait|veu|voul|désir)\w* plus (rien )?recevoir\b",
    r"\bne plus (nous |me )?(écrire|contacter|envoyer|solliciter)\b",
    # es
    r"\bdar(me|nos)? de baja\b", r"\bden de baja\b", r"\bde baja de\b",
    r"\bno (me|nos) (contacten|escriban|envíen|vuelvan a)",
    r"\belimin(en|ar) (mi|nuestro|nuestra|mis|nuestros) (correo|dirección|datos|email|e-mail)",
    r"\bborr(en|ar) (mis|nuestros) datos",
    r"\b(elimín|elimin|borr|sac|quit)\w*(me|nos) de (su|sus|la|las|vuestra) (lista|base|listado)",
    r"\bno (dese|quer|quier)\w* recibir más\b",
    r"\bno (me |nos )?(contacten|escriban|envíen|manden) más\b",
    # it
    r"\bcancellami\b", r"\bcancellarmi\b", r"\bcancellateci\b", r"\bdisiscri",
    r"\brimuover(e|mi|ci)\b.{0,40}\b(indirizzo|lista|email|e-mail|mail|contatti)",
    r"\bnon (mi|ci) (contatti|scriva|contattate|scrivete|inviate)\b",
    r"\bnon (contattarmi|contattateci|scrivetemi|scriveteci)\b",
    r"\bnon (desider|vogli)\w* (più )?ricevere (altr|più|ulterior)",
    r"\bnon (mi |ci )?(contatti|scriva|contattate|scrivete|inviate|mandate) più\b",
    # The request in one word, opening a line.
    r"(?m:^)[ \t]*(baja|cancellazione|disiscrizione|désinscription|abmeldung|unsubscribe)[ \t]*[.!]",
    # The whole reply one word, as people answer a mailing: "Stop", "REMOVE".
    r"\A\s*(stop|stopp|remove|remove me|delete me|unsubscribe me|arrêtez|arrêter|basta|halt)"
    r"\s*[.!]*\s*\Z",
    # nl, pt
    r"\bafmelden\b", r"\buitschrijven\b", r"\bverwijder (mij|ons|mijn|onze)\b",
    r"\bgeen (e-?mails|berichten|mails) meer\b", r"\bdescadastr",
    r"\bcancelar (a )?(minha |nossa )?(subscrição|inscrição)",
    r"\bremov(er|am) (o )?(meu|nosso) (e-?mail|endereço|contacto|contato)",
    r"\bnão (me|nos) (contacte|contate|enviem|escrevam)",
    # sv, da, no
    r"\bavregistrera", r"\bavanmäl", r"\bavsluta (min |vår )?prenumeration",
    r"\bta bort (mig|oss|min|vår|mitt|vårt)\b.{0,40}\b(från|ur)\b",
    r"\bsluta (skicka|maila|mejla|kontakta|skriva)", r"\bkontakta (mig|oss) inte\b",
    r"\b(vill|ønsker|ønsker vi|ønsker jeg) ikke (at |å )?(modtage|motta|få|ha) (flere|mere|fler|mer)",
    r"\bvill inte (ha|få) (fler|mer|några)", r"\bafmeld", r"\bframeld", r"\bavmeld",
    r"\bmeld (meg|oss) (av|ut)\b", r"\bfjern (mig|os|meg|oss|min|vores|vår)\b.{0,40}\bfra\b",
    r"\bslet (mig|os|meg|oss|mine|vores)\b", r"\bslett (meg|oss|mine|våre)\b",
    r"\bstop med at (sende|skrive|kontakte)", r"\bslutt å (sende|skrive|kontakte)",
    r"\b(kontakt|skriv til) (os|mig|oss|meg) ikke\b", r"\bikke kontakt (os|mig|oss|meg)\b",
    # pl
    r"\bwypis(z|ać|anie|ujcie)\b", r"\brezygnuj(ę|emy) z (subskrypcji|newslettera|otrzymywania)",
    r"\busu(ń|nąć|nięcie|ńcie)\b.{0,30}\b(mnie|nas|mój|nasz|adres|dane)",
    r"\b(proszę|prosimy) (o )?(usunięcie|nie (pisać|kontaktować|wysyłać))",
    r"\bnie (chcę|chcemy) (więcej )?(otrzymywać|dostawać)", r"\bproszę (więcej )?nie (pisać|wysyłać)",
    # ru
    r"\bотпиш(ите|ись)", r"\bотписаться\b", r"\bудалите (меня|нас|мой|наш)",
    r"\bисключите (меня|нас)", r"\bне (пишите|присылайте|отправляйте|беспокойте) (нам|мне|больше)",
    r"\bбольше не (пишите|присылайте|отправляйте)",
    # ja: no spaces between words, so no word boundaries either
    r"配信(を)?停止", r"配信(を)?(解除|不要)", r"送らないで", r"送信しないで",
    r"今後.{0,10}(ご連絡|連絡|メール|ご案内).{0,4}(不要|ご遠慮|お控え)", r"(登録|購読)(を)?解除",
    r"リストから(削除|外して|除外)",
)
_NOT_INTERESTED = _rules(
    r"\bnot (really |currently |at all )?interested\b", r"\bno interest\b",
    r"\bnot (really |currently )?(looking|needed|relevant|for us)\b", r"\bno,? thanks?\b",
    r"\bno,? thank you\b", r"\bwe('re| are) (very )?(happy|satisfied|fine) with\b",
    r"\balready (have|use|using|work with|working with|got)\b", r"\bnot a (good )?fit\b",
    r"\bno need\b", r"\bwe('ll| will) pass\b", r"\b(must|have to|will have to) decline\b",
    r"\bnot (at )?(this time|the moment|right now)\b", r"\b(don't|do not) need\b",
    r"\bnot the right (time|moment)\b", r"\bnot a priority\b",
    # de
    r"\bkein(e|en)? (interesse|bedarf)\b", r"\bnicht interessiert\b", r"\bnein,? danke\b",
    r"\bhaben (bereits|schon) (ein|eine|einen)\b", r"\bsind (sehr |bestens )?zufrieden\b",
    r"\b(benötigen|brauchen) (wir )?(keine|kein|nichts)\b",
    # fr
    r"\bpas (du tout )?intéressée?s?\b", r"\bpas interessee?s?\b", r"\baucun intérêt\b",
    r"\bnon,? merci\b", r"\bpas besoin\b", r"\bnous avons déjà\b",
    r"\bne (sommes|suis) pas intéress",
    # es
    r"\bno (estamos|estoy) interesad", r"\bno (nos|me) interesa\b", r"\bno,? gracias\b",
    r"\bya (tenemos|contamos con|usamos|utilizamos)\b", r"\bno necesitamos\b",
    # it
    r"\bnon (siamo|sono) interessat", r"\bnon (ci|mi) interessa\b", r"\bno,? grazie\b",
    r"\babbiamo già\b", r"\bnon abbiamo bisogno\b",
    # nl, pt
    r"\bgeen interesse\b", r"\bniet ge[iï]nteresseerd\b", r"\bnee,? (bedankt|dank je)\b",
    r"\bnão (estamos|estou) interessad", r"\bsem interesse\b", r"\bnão temos interesse\b",
    r"\bnão,? obrigad", r"\bjá temos\b",
    r"^\s*(no|nope|nein|non|nee|não|nej|nei|nie|нет|いいえ)\s*[.!]?\s*$",
    # sv, da, no
    r"\b(inte|ikke) (särskilt |specielt |spesielt )?(intresserade?|interesserede?|interessert)\b",
    r"\binget intresse\b", r"\bingen interesse\b", r"\bnej,? tack\b", r"\bnej,? tak\b",
    r"\bnei,? takk\b", r"\bbehöver (inte|inget|ingen)\b", r"\bhar (ikke|ikkje) (brug|behov)\b",
    r"\btrenger (ikke|ingen)\b", r"\bhar (redan|allerede) (en|ett|et|ei|et system|ett system)\b",
    r"\bär (mycket )?nöjda med\b", r"\ber (meget |veldig |godt )?(tilfredse|fornøyde) med\b",
    # pl
    r"\bnie (jesteśmy|jestem) zainteresowan", r"\bnie interesuje (nas|mnie)\b",
    r"\bnie,? dziękuj", r"\bdziękuj(ę|emy),? nie\b", r"\bnie potrzebujemy\b",
    r"\bmamy już\b", r"\bjuż mamy\b",
    # ru
    r"\bне интересн", r"\bне интересует\b", r"\bне заинтересован", r"\bнет,? спасибо\b",
    r"\bне (нужно|нуждаемся|требуется)\b", r"\bуже (есть|пользуемся|используем|работаем с)\b",
    # ja
    r"興味(が|は)?(ありません|ございません|ない)", r"必要(が|は)?(ありません|ございません|ない)",
    r"不要です", r"結構です", r"見送(ら|り)", r"間に合って(い|お)ります",
)
_INTERESTED_STRONG = _rules(
    r"\binterest(ed|ing)\b", r"\bsounds (good|great|interesting|promising)\b",
    r"\btell me more\b", r"\bhappy to (hear|learn|try|talk|chat|give it a try)\b",
    r"\bwould (like|love) to (know|learn|hear|try|see|test)\b", r"\blet's (do it|try it|go)\b",
    r"\blove to\b", r"\bgreat idea\b", r"\bcount (me|us) in\b",
    r"\bhappy to (look|have a look|take a look|review|see|receive)\b",
    r"\bopen to (it|this|that)\b",
    r"\b(we'd|we would|i'd|i would) like to (start|begin|go ahead|proceed|sign up|try|test)\b",
    r"\binteressiert\b", r"\binteressant\b", r"\bklingt (gut|interessant|spannend)\b",
    r"\bspannend\b", r"\bmehr erfahren\b",
    r"\bintéress", r"\bavec plaisir\b", r"\bvolontiers\b",
    r"\binteresad[oa]s?\b", r"\binteresante\b", r"\b(me|nos) interesa\b", r"\bcon gusto\b",
    r"\binteressat[oaie]\b", r"\binteressante\b", r"\b(ci|mi) interessa\b", r"\bvolentieri\b",
    r"\bcon piacere\b",
    r"\bge[iï]nteresseerd\b", r"\binteressad[oa]s?\b", r"\btemos interesse\b",
    r"\bcom prazer\b", r"\bboa ideia\b",
    r"\bintresserade?\b", r"\binteresserede?\b", r"\binteressert\b",
    r"\b(låter|lyder|høres) (bra|godt|intressant|interessant|spännande|spændende|spennende)",
    r"\bberätta (gärna )?mer\b", r"\bfortæl (gerne )?mere\b", r"\bfortell (gjerne )?mer\b",
    r"\bzainteresowan", r"\binteresuje (nas|mnie)\b", r"\bbrzmi (dobrze|ciekawie|interesująco)",
    r"\bz (przyjemnością|chęcią)\b", r"\bзаинтересован", r"\bинтересно\b", r"\bинтересует\b",
    r"\bзвучит (интересно|хорошо|заманчиво)", r"\bс удовольствием\b",
    r"興味(が|を)(あります|ございます|持)", r"ぜひ", r"是非", r"詳しく(知りたい|聞きたい|教えて)",
    r"検討(したい|させて)",
)
_INTERESTED_WEAK = _rules(
    r"^\s*(yes|yeah|sure|ok|okay|ja|oui|sí|si|sì|certo|claro|sim)\b", r"\bgerne?\b",
    r"\bgraag\b", r"\bgreat\b", r"\bperfect\b", r"\bperfekt\b", r"\bparfait\b", r"\bperfecto\b",
    r"\bperfetto\b", r"\bgärna\b", r"\bgjerne\b", r"\bchętnie\b", r"\bда\b",
)
_MEETING = _rules(
    r"\b(a |quick |short |phone |video |zoom |teams )?call\b", r"\bmeeting\b",
    r"\bmeet (up|you|with you|in person)\b", r"\bdemo\b",
    r"\b(send|share)( me| us)? (an |a |the )?(calendar |meeting )?(invite|invitation)\b",
    r"\b(schedule|book|set up|arrange) (a |an )?(call|meeting|demo|time|chat)\b",
    r"\bcalendar\b", r"\bcalendly\b", r"\b(available|free) (on|at|next|this|tomorrow)\b",
    r"\blet's (talk|chat|speak)\b", r"\b(phone|ring) (me|us)\b", r"\bzoom\b",
    r"\bgoogle meet\b",
    r"\btermin", r"\btelefonat\b", r"\btelefonieren\b", r"\banrufen\b", r"\brückruf\b",
    r"\bgespräch\b", r"\btreffen\b", r"\bvideocall\b",
    r"\b(can|could|shall|should) we (talk|speak|chat|meet|have a chat)\b",
    r"\brendez-vous\b", r"\brdv\b", r"\bappel\b", r"\bappeler\b", r"\bappelez[- ](moi|nous)\b",
    r"\bréunion\b",
    r"\brencontrer\b", r"\béchange téléphonique\b", r"\bvisio",
    r"\bllamada\b", r"\bllamar(me|nos)?\b", r"\breunión\b", r"\bcita\b", r"\bvideollamada\b",
    r"\bchiamata\b", r"\btelefonata\b", r"\bchiamar(mi|ci)?\b", r"\bappuntamento\b",
    r"\briunione\b", r"\bincontro\b", r"\bsentirci\b",
    r"\bafspraak\b", r"\bbellen\b", r"\bgesprek\b", r"\bafspreken\b",
    r"\breunião\b", r"\bligação\b", r"\bchamada\b", r"\bmarcar\b",
    r"\bmöte\b", r"\bträffas\b", r"\bmøde\b", r"\bmødes\b", r"\bmøte\b", r"\btreffes\b",
    r"\bring (mig|meg|til mig|oss|os)\b", r"\bringe\b", r"\bsamtal\b", r"\bsamtale\b",
    r"\btelefonmöte\b", r"\bvideomöte\b", r"\b(boka|aftale|avtale|bestille) (ett|en|et) (möte|møde"
    r"|møte|tid|samtal|samtale)\b", r"\bta en prat\b",
    r"\bspotkani", r"\bspotka(ć|my)\b", r"\bzadzwo(ń|nić|nię)\b", r"\brozmow(a|ę|y)\b",
    r"\bumówić( się)?\b", r"\bwideokonferencj",
    r"\bвстреч", r"\bсозвон", r"\bпозвоните\b", r"\bзвонок\b", r"\bпо телефону\b",
    r"\bвидеозвонок\b",
    r"打ち合わせ", r"ミーティング", r"面談", r"お電話", r"電話で", r"オンライン会議", r"デモ",
)
_INFO = _rules(
    r"\bprice", r"\bpricing\b", r"\bcosts?\b", r"\bhow much\b", r"\bfees?\b",
    r"\bhow (does|do|would|will) (it|this|that) work\b", r"\bhow long\b",
    r"\bmore (info|information|details)\b", r"\bbrochure\b", r"\bcase stud", r"\breferences?\b",
    r"\bintegrat", r"\bgdpr\b", r"\bcontract\b", r"\btrial\b", r"\bquote\b", r"\boffer\b",
    r"\bpreis", r"\bkosten", r"\bwie ?viel\b", r"\bwas kostet\b", r"\bwie funktioniert\b",
    r"\bmehr (informationen|infos|details)\b", r"\bunterlagen\b", r"\bangebot\b", r"\bdsgvo\b",
    r"\bschnittstelle", r"\bprix\b", r"\btarif", r"\bcoût", r"\bcombien\b",
    r"\bcomment (ça|cela|ceci) (fonctionne|marche)\b", r"\bplus d'(informations|infos|détails)",
    r"\bdocumentation\b", r"\bdevis\b", r"\bprecio", r"\bcoste\b", r"\bcosto\b", r"\bcuánto\b",
    r"\bcuanto\b", r"\bcómo funciona\b", r"\bmás información\b", r"\btarifa", r"\bpresupuesto\b",
    r"\bfunciona con\b", r"\bprezz", r"\bcosti\b", r"\bquanto costa\b", r"\bcome funziona\b",
    r"\b(maggiori|più) informazioni\b", r"\bpreventivo\b", r"\btariff", r"\bprijs",
    r"\bhoeveel\b", r"\bmeer informatie\b", r"\bhoe werkt\b", r"\bpreço", r"\bcusto",
    r"\bquanto custa\b", r"\bmais informaç", r"\bcomo funciona\b", r"\borçamento\b",
)
_INFO_REQUEST = _rules(
    r"\b(send|share|forward) (me |us )?(over )?(some |more |further |your )?(info|information"
    r"|details|a brochure|prices|pricing|documentation)",
    r"\b(schicken|senden) sie (mir|uns) .{0,40}(informationen|unterlagen|preise)",
    r"\bmehr informationen\b", r"\b(envoyez|transmettez)[- ](moi|nous)\b", r"\bplus d'informations\b",
    r"\b(envíe|envíenos|mándenos|mande)\b.{0,30}(información|precios|presupuesto)",
    r"\bmás información\b", r"\b(inviate|mandate|mi invii|ci invii)\b.{0,30}(informazioni|prezzi|preventivo)",
    r"\b(maggiori|più) informazioni\b", r"\bmeer informatie\b", r"\bmais informaç",
)
# Questions any reply may ask ("what is...", "how would..."): information only without a stated
# interest; topical questions (price, how it works) are _INFO.
_INFO_GENERIC = _rules(
    r"\bhow (does|do|would|can|will)\b", r"\bwhat (is|are|does|do|would)\b",
)
# First-person statements of interest: they outweigh a generic question, never a topical one.
_INTEREST_EXPLICIT = _rules(
    r"\b(we are|we're|i am|i'm|we would be|we'd be|i would be|i'd be) (very |definitely "
    r"|certainly |really |quite )?interested\b", r"\bcount (me|us) in\b",
    r"\b(wir sind|ich bin|wir wären|ich wäre) (sehr |durchaus |grundsätzlich )?interessiert\b",
    r"\b(nous sommes|je suis|nous serions|je serais) (très |vraiment )?intéressée?s?\b",
    r"\b(cela|ça|ceci) (nous|m') ?intéresse\b",
    r"\b(estamos|estoy|estaríamos|estaría) (muy )?interesad[oa]s?\b", r"\b(nos|me) interesa\b",
    r"\b(siamo|sono|saremmo|sarei) (molto )?interessat[oaie]\b", r"\b(ci|mi) interessa\b",
)
# Asking how to go on is a step forward, not a question before deciding.
_NEXT_STEPS = _rules(
    r"\bnext steps?\b", r"\bwhat happens next\b", r"\bhow (do|should|shall|can) we "
    r"(proceed|go ahead|get started|start|move forward)\b", r"\bhow to proceed\b",
    r"\bnächsten? schritte?\b", r"\bwie geht es (jetzt |nun |dann )?weiter\b",
    r"\bwie (gehen wir|machen wir) (jetzt |nun |dann )?(weiter|vor)\b",
    r"\bprochaines? étapes?\b", r"\bcomment (procéder|procédons-nous|on procède)\b",
    r"\bquelle est la suite\b",
    r"\b(siguientes|próximos) pasos\b", r"\bcómo (procedemos|seguimos)\b",
    r"\bprossimi passi\b", r"\bcome procediamo\b",
    r"\bvolgende stappen\b", r"\bpróximos passos\b",
)
# Asking for a proposal is asking to go on; a price or a quote is information (_INFO).
_PROPOSAL_REQUEST = _rules(
    r"\b(send|share|forward|prepare|make) (me |us )?(over )?(your|a|an) (proposal|offer)\b",
    r"\b(send|share|forward)( me| us)?( over)? (the|your|a) (contract|agreement|order form)\b",
    r"\b(schicken|senden|machen|erstellen|unterbreiten) sie (mir|uns) (gerne |bitte |doch )*"
    r"(ein|ihr) angebot\b",
    r"\b(envoyer|adresser|transmettre|faire parvenir|envoyez|adressez)(-moi|-nous)? (une|votre) "
    r"(proposition|offre)\b",
    r"\b(envíe|envíeme|envíenos|mande|mándeme|mándenos|enviar|enviarnos|mandarnos) (una|su) "
    r"(propuesta|oferta)\b",
    r"\b(mandi|invii|mandate|inviate|mandarmi|inviarmi|mandarci|inviarci) (pure )?(una|la sua|la "
    r"vostra) (proposta|offerta)\b",
)
# A day with a time ("Tuesday 10 March at 2 pm") is a slot; with any of these around it, or asked
# as a question, the reply proposes a meeting.
_TALK = _rules(
    r"\b(talk|speak|chat)\b", r"\b(sprechen|besprechen|telefonieren|austauschen)\b",
    r"\bparl(er|ons)(-en)?\b", r"\béchanger\b", r"\bhabl(ar|amos|emos|arlo)\b",
    r"\bparl(are|iamo|iamone|arne)\b", r"\bsentir(ci|si)\b",
)
_SLOT_OFFER = _rules(
    r"\b(how|what) about\b", r"\bare you (free|available)\b", r"\bwould you have time\b",
    r"\b(works?|suits?) (for |with )?(me|us)\b",
    r"\b(is|would be) (fine|good|perfect) for (me|us)\b",
    r"\b(works?|suits?) (for )?you\b", r"\bpasst (es )?(ihnen|mir|uns)\b", r"\b(hätten|haben) sie .{0,60}zeit\b",
    r"\bque diriez-vous\b", r"\b(seriez|êtes)-vous disponible", r"\bvous convien",
    r"\ble viene bien\b", r"\btendría tiempo\b", r"\b(está|estaría) disponible\b",
    r"\ble andrebbe bene\b", r"\ble va bene\b", r"\bavrebbe tempo\b", r"\bsarebbe disponibile\b",
)
_CALL_ME = _rules(
    r"\b(reach|call|ring|phone) (me|us) (on|at|under)\b", r"\b(sie erreichen|rufen sie) (mich|uns)\b",
    r"\b(me|nous) joindre\b", r"\bm'appeler\b", r"\bllám(eme|enos)\b", r"\bllamar(me|nos) al\b",
    r"\bmi chiami\b", r"\bchiamar(mi|ci) al\b",
)
_DELEGATION_CUE = _rules(
    r"\b(please )?(contact|reach out to|write to|e-?mail|get in touch with|speak (to|with)"
    r"|talk (to|with)) (our|my|the|mr\.?|mrs\.?|ms\.?|(?-i:[A-Z][a-z]+ [A-Z][a-z]+))\b",
    r"\b(forward(ed|ing)?|pass(ed|ing)? on|passed|passing|sent) (your (e-?mail|message|request)"
    r"|this|it)( on)? to\b",
    # The person named before: "please talk to her", "she decides on this".
    r"\b(contact|talk (to|with)|speak (to|with)|write to|reach out to|get in touch with) "
    r"(him|her|them)\b",
    r"\b(he|she|they) (decides?|handles?|is in charge|are in charge|manages?)\b",
    r"\bdecides? (on|about) (this|that|these|such)\b",
    r"\bruns (the|our) (hotel|front desk|reception|property|business|sales|marketing)\b",
    r"\b(is|would be|are) the (right|best|correct) (person|contact)\b",
    r"\bnot the (right|best|correct) (person|contact)\b", r"\b(responsible|in charge) (for|of)\b",
    r"\bhandles? (all |our )?(supplier|purchasing|marketing|it|these|such)\b",
    r"\b(i('ve| have) )?(cc'?d|copied|cc'?ing|copying) (in )?(my|our)\b", r"\bmy colleague\b",
    r"\b(handled|managed|dealt with|taken care of|looked after|run) by\b",
    r"\bwenden sie sich\b", r"\b(kontaktieren|schreiben) sie (bitte )?(meine|meinen|unsere|unseren|frau|herrn|herr)\b",
    r"\bschreiben sie (bitte )?(direkt )?an\b", r"\bkümmert sich\b",
    r"\bzuständig\b", r"\bweitergeleitet\b", r"\bleite .{0,40}\bweiter\b", r"\bansprechpartner",
    r"\b(meine|meinen|meiner) (kollegin|kollegen)\b", r"\bin kopie\b",
    r"\bcontactez\b", r"(?<!me )(?<!nous )\bcontacter\b", r"\badressez[- ]vous\b",
    r"\b(je|j'ai) (transmets|transmis|transféré|transfère)\b", r"\bgérée? par\b",
    r"(?<!m')\bécrire (directement )?à\b",
    r"\b(le|la) responsable\b", r"\ben charge de\b", r"\bs'occupe\b", r"\b(mon|ma) collègue\b",
    r"\ben copie\b",
    r"\b(contacte|contactar|póngase en contacto|escriba)\b.{0,20}\b(con|a)\b", r"\breenviado\b",
    r"\breenvío\b", r"\bencargad[oa]\b", r"\bse encarga\b", r"\b(mi|nuestro|nuestra) compañer[oa]\b",
    r"\ben copia\b",
    r"\bcontatt(are|i|ate)\b", r"\bsi rivolga\b", r"\brivolgersi\b", r"\bscriva (direttamente )?a\b",
    r"\binoltrato\b", r"\binoltro\b", r"\b(il|la) responsabile\b", r"\bsi occupa\b",
    r"\b(mio|mia) collega\b", r"\bin copia\b",
    r"\bneem contact op\b", r"\bcontact opnemen\b", r"\bdoorgestuurd\b", r"\b(mijn|onze) collega\b",
    r"\bverantwoordelijk\b",
    r"\bentre em contato\b", r"\bcontacte (o|a)\b", r"\bencaminhei\b", r"\bencaminhar\b",
    r"\b(o|a) responsável\b", r"\b(meu|minha) colega\b", r"\bem cópia\b",
    # sv, da, no
    r"\bkontakta (gärna )?(vår|vårt|våra|min|mitt|mina)\b", r"\bvänd (dig|er) till\b",
    r"\b(ansvarig|ansvarar|ansvarlig|ansvarlige) (för|for)\b", r"\bvidarebefordra",
    r"\b(min|vår) kollega\b", r"\bkontakt (venligst |gjerne |gerne )?(vores|vår|min|mit|mitt)\b",
    r"\bta kontakt med\b", r"\bhenvend (dig|deg|dem|jer) til\b", r"\bvideresendt\b",
    r"\bsendt (den )?videre\b",
    # pl
    r"\b(skontaktować|kontaktować|skontaktuj|skontaktujcie) się z\b", r"\bodpowiedzialn\w* za\b",
    r"\bprzekaza(łem|łam|liśmy)\b", r"\bprzesła(łem|łam|liśmy) dalej\b", r"\bzajmuje się\b",
    r"\b(mój|moja|nasz|nasza) (kolega|koleżanka)\b",
    # ru
    r"\bобратитесь\b", r"\bсвяжитесь с\b", r"\bотвечает за\b", r"\bзанимается\b",
    r"\bпереслал(а|и)?\b", r"\b(мой|моя|наш|наша) (коллега|менеджер|директор)\b",
    # ja
    r"担当(者|の)", r"転送(しました|いたしました)", r"(へ|に)(お問い合わせ|ご連絡)ください",
)
_HOSTILE = _rules(
    r"\bspam", r"\bannoying\b", r"\bharass", r"\bhow did you get (my|our)\b", r"\breport (you|this)\b",
    r"\bwoher haben sie\b", r"\bbelästig", r"\bunverschämt", r"\bunerwünscht",
    r"\binacceptable\b", r"\bharcèlement\b", r"\bmolest", r"\bacoso\b", r"\bfastidi",
    r"\bdenuncia", r"\babmahnung\b",
)

_TITLES = (
    "general manager", "hotel manager", "managing director", "director of sales",
    "director of sales and marketing", "sales director", "sales manager", "revenue manager",
    "marketing manager", "marketing director", "front office manager", "reservations manager",
    "operations manager", "it manager", "e-commerce manager", "hr manager", "hr director",
    "head of hr", "people manager", "owner", "ceo", "gm", "manager",
    "director", "assistant", "colleague",
    "hoteldirektorin", "hoteldirektor", "direktorin", "direktor", "geschäftsführerin",
    "geschäftsführer", "inhaberin", "inhaber", "verkaufsleiterin", "verkaufsleiter",
    "marketingleiterin", "marketingleiter", "empfangsleiterin", "empfangsleiter",
    "kollegin", "kollegen", "kollege", "revenue managerin", "personalleiterin", "personalleiter",
    "leiterin rezeption", "leiter rezeption", "empfangschefin", "empfangschef",
    "directeur général", "directrice générale", "directeur commercial",
    "directrice commerciale", "directeur", "directrice", "responsable commercial",
    "responsable commerciale", "responsable marketing", "responsable rh", "chef de réception",
    "cheffe de réception", "gérante", "gérant", "collègue",
    "propriétaire",
    "director general", "directora general", "director comercial", "directora comercial",
    "directora", "gerente", "jefe de ventas", "jefa de ventas", "jefe de recepción",
    "jefa de recepción", "responsable de rr. hh.", "responsable de recursos humanos", "compañero",
    "compañera",
    "propietario", "propietaria",
    "direttore generale", "direttrice generale", "direttore commerciale", "direttore",
    "direttrice", "responsabile commerciale", "responsabile marketing",
    "responsabile risorse umane", "capo ricevimento", "responsabile",
    "titolare", "proprietario", "collega",
    "directeur", "eigenaar", "diretor geral", "diretora geral", "diretor", "diretora",
    "responsável", "colega", "proprietário",
)
_TITLE_RE = "|".join(sorted({re.escape(t) for t in _TITLES}, key=len, reverse=True))
_UPPER = "A-ZÀ-ÖØ-ÞĀĆČĐĘŁŃŒŘŚŠŹŻŽ"
_NAME = rf"[{_UPPER}][\w'’-]+(?:[ \t]+(?:de |van |von |di |da |del |dos |le |la )?[{_UPPER}][\w'’-]+){{0,2}}"
_HONORIFIC = (r"(?:Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Herrn?|Frau|M\.|Mme\.?|Madame|Monsieur|Sr\.|Sra\.|"
              r"Señora?|Sig\.(?:ra)?|Signora?|Dott\.(?:ssa)?|Dhr\.|Mevr\.)")
_POSSESSIVE = (r"(?:our|my|the|unser(?:e[nrm]?)?|mein(?:e[nrm]?)?|notre|nos|mon|ma|nuestr[oa]"
               r"|mi|il nostro|la nostra|il mio|la mia|onze|mijn|o nosso|a nossa|nosso|nossa)")
_TITLE_THEN_NAME = re.compile(
    rf"(?i:(?P<title>{_TITLE_RE}))\b[ \t]*,?[ \t]*(?:{_HONORIFIC}[ \t]+)?(?P<name>{_NAME})")
_NAME_THEN_TITLE = re.compile(
    rf"(?P<name>{_NAME})[ \t]*,[ \t]*(?i:{_POSSESSIVE}[ \t]+(?P<title>{_TITLE_RE}))\b")
_HONORIFIC_NAME = re.compile(rf"\b{_HONORIFIC}[ \t]+(?P<name>{_NAME})")
# Whom the reply hands us over to: the name right after "contact", "wenden Sie sich an",
# "géré par", "se encarga", "si occupa"..., possibly behind a title ("our GM Maria Rossi").
_HANDOVER = (
    r"contact(?:ez|er|e con|ar con|are)?|get in touch with|reach out to|write to"
    r"|speak (?:to|with)|talk (?:to|with)|e-?mail|ask for"
    r"|(?:handled|managed|dealt with|taken care of|looked after|run) by"
    r"|forward(?:ed)? (?:it|this|your (?:e-?mail|message|request)) to"
    r"|wenden sie sich (?:bitte )?an|kümmert sich|kontaktieren sie|schreiben sie (?:bitte )?an"
    r"|weitergeleitet an|zuständig ist|adressez-vous à|écrire à|gérée? par|s'occupe"
    r"|póngase en contacto con|escriba a|se encarga|diríjase a|hable con"
    r"|contattare|contatti|si rivolga a|rivolgersi a|scriva a|scrivere a|si occupa"
    r"|send (?:your (?:e-?mail|message|request)|it|this) to"
)
_FILLER = (r"(?:(?:please|directly|bitte|direkt|bei uns|plutôt|directement|directamente"
           r"|direttamente|por favor|per favore)[ \t,]+)*")
_NAME_AFTER_HANDOVER = re.compile(
    rf"(?i:\b(?:{_HANDOVER})[ \t]+{_FILLER}(?:{_POSSESSIVE}[ \t]+)?"
    rf"(?:(?P<title>{_TITLE_RE})[ \t]*,?[ \t]+)?)(?:{_HONORIFIC}[ \t]+)?(?P<name>{_NAME})")
# A title in apposition after the name: "Thomas Ellis, our HR Manager," or "Anja Weber
# (Personalleiterin)". Taken only when it holds a word of a job title.
_APPOSITION = re.compile(
    rf"[ \t]*(?:\((?P<paren>[^()\n]{{2,60}})\)|,[ \t]*(?i:{_POSSESSIVE}[ \t]+)?"
    rf"(?:(?P<comma>[^,()\n]{{2,60}}),|(?P<stop>[^,()\n.]{{2,60}})))")
_TITLE_WORD = re.compile(
    r"\b(manager|directora?|head|chief|owner|assistant|coordinator|supervisor|hr|inhaberin"
    r"|inhaber|chef|cheffe|responsable|directeur|directrice|gérante?|jef[ae]|gerente|rr\. ?hh"
    r"|capo|direttore|direttrice|responsabile|titolare)\b"
    # German titles are compounds ("Personalleiterin"): the title word is their last part.
    r"|(leiterin|leiter|direktorin|direktor|chefin|managerin)\b",
    re.IGNORECASE)
_ADDRESS = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}\.)+[A-Za-z]{2,63}")
_NAME_BEFORE_ADDRESS = re.compile(
    rf"(?P<name>{_NAME})[ \t]*(?:\(|<|\bat\b|:|-|–|\bvia\b|\bunter\b|\bà\b|\ba\b|all'indirizzo"
    rf"|\ben\b|\bem\b|\bop\b)?[ \t]*<?(?P<address>{_ADDRESS.pattern})")
_GENERIC_WORDS = frozenset({
    "reservations", "reservation", "reception", "sales", "info", "booking", "bookings", "team",
    "office", "hotel", "front", "desk", "marketing", "contact", "support", "admin", "hello",
    "please", "thank", "thanks", "kind", "best", "regards", "dear", "hi", "hello", "mail",
    "email", "e-mail", "gm", "director", "manager", "the", "our", "reservas", "rezeption",
    "empfang", "direzione", "direction", "recepción", "receção", "reserveringen",
})

_WEEKDAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    "|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag"
    "|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
    "|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo"
    "|lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi"
    "|domenica|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
    "|segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira"
)
_DAYS = re.compile(
    rf"\b(?:(?:next|this|nächste[nrm]?|kommende[nrm]?|el próximo|próximo|il prossimo|prossimo"
    rf"|volgende|a próxima|próxima)[ \t]+)?(?:{_WEEKDAYS})(?:[ \t]+(?:prochain|próximo|prossimo"
    rf"|que vem))?\b"
    r"|\b(?:tomorrow|next week|this week|nächste woche|kommende woche|übermorgen|demain"
    r"|la semaine prochaine|cette semaine|la próxima semana|la semana que viene|esta semana"
    r"|domani|la prossima settimana|questa settimana|volgende week|deze week|amanhã"
    r"|próxima semana|semana que vem)\b",
    re.IGNORECASE)
_TIMES = re.compile(
    r"\b\d{1,2}(?::|\.|h)\d{2}[ \t]*(?:am|pm|a\.m\.|p\.m\.|uhr|h)?(?![\w.])"
    r"|\b\d{1,2}[ \t]*(?:am|pm|a\.m\.|p\.m\.|uhr|h)(?![\w])"
    # "how about Friday at 11?": an hour after "at", "um", "à", "alle", "às", "a las", "om".
    r"|\b(?:at|um|à|alle|às|om|a las)[ \t]\d{1,2}(?![\w:.,])"
    r"|\b(?:in the |am |le |en la |nel |di |'s |de )?(?:morning|afternoon|evening|vormittags?"
    r"|nachmittags?|abends|matin|matinée|après-midi|soir|tarde|mattina|mattinata|pomeriggio"
    r"|sera|ochtend|middag|avond|manhã|noite)\b",
    re.IGNORECASE)
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
# How far apart a day and a time may be written and still make one slot ("Dienstag, 10. März,
# um 14:00 Uhr").
_SLOT_GAP = 20
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "\u00a0": " "})


def offline_intent(text: str, subject: str | None = None) -> ReplyAnalysis:
    """What the reply means, by rules. ``text`` is the reply's new text (no quoted history)."""
    text = (text or "")[:MAX_CLASSIFIED_CHARS].translate(_APOSTROPHES)
    clean_subject = re.sub(r"^\s*((re|aw|antw|sv|vs|r|res|rif|odp|отв|ответ|fw|fwd|wg|tr)\s*:\s*)+", "",
                           subject or "", flags=re.IGNORECASE)
    if not text.strip():
        if _UNSUBSCRIBE.search(clean_subject):
            return _analysis("unsubscribe", 0.8, ["subject asks to unsubscribe"], text)
        return _analysis("needs_more_info", 0.2, ["the reply has no text"], text)

    # Each rule set scans the text once: the big ones cost most of the time here.
    unsubscribing = list(_UNSUBSCRIBE.finditer(text))
    refusing = list(_NOT_INTERESTED.finditer(text))
    unsubscribe = _texts(unsubscribing) + _hits(_UNSUBSCRIBE, clean_subject)
    refusals = _texts(refusing)
    # Negated phrases must not count as the positive words they contain.
    masked = _mask(text, [m.span() for m in unsubscribing + refusing])
    # Asking for a proposal or for the next steps moves the conversation on: interest, and the
    # words in it ("offer", "what would...?") ask nothing before deciding.
    proposing = list(_PROPOSAL_REQUEST.finditer(masked))
    next_steps = list(_NEXT_STEPS.finditer(masked))
    going_on = _texts(proposing + next_steps)
    masked = _mask(masked, [m.span() for m in proposing]
                   + [_sentence_around(masked, m) for m in next_steps])
    interest = _hits(_INTERESTED_STRONG, masked) + going_on
    explicit_interest = bool(_INTEREST_EXPLICIT.search(masked) or going_on)
    weak_interest = _hits(_INTERESTED_WEAK, masked)
    questions = _questions(text)
    open_questions = [q for q in questions if not _NEXT_STEPS.search(q)]
    info = _hits(_INFO, masked)
    generic_info = _hits(_INFO_GENERIC, masked)
    info_request = _hits(_INFO_REQUEST, masked)
    delegation = _hits(_DELEGATION_CUE, masked)
    contact = delegated_contact(text) if delegation else None
    days = _unique(m.group().strip() for m in _DAYS.finditer(masked))
    days += [text[d.start:d.end] for d in find_dates(masked)][:3]
    times = _unique(m.group().strip() for m in _TIMES.finditer(masked))
    meeting = _hits(_MEETING, masked) or _proposed_slots(masked)
    positive = bool(interest or meeting or weak_interest)

    if unsubscribe:
        confidence = 0.6 if (interest or meeting or info_request) else 0.9
        return _analysis("unsubscribe", confidence, unsubscribe, text, questions=questions)
    if delegation and contact is not None and (contact.email or contact.name):
        confidence = 0.85 if contact.email and contact.name else 0.75
        if refusals and not contact.email:
            confidence = 0.6
        return _analysis("delegated", confidence, delegation, text, contact=contact,
                         questions=questions)
    if refusals:
        confidence = 0.6 if (interest or meeting or info_request) else 0.85
        return _analysis("not_interested", confidence, refusals, text, questions=questions)
    if meeting:
        confidence = 0.85 if (days or times) else 0.75
        meeting_details = MeetingPreferences(days=", ".join(days)[:200] or None,
                                             times=", ".join(times)[:200] or None)
        return _analysis("meeting_request", confidence, meeting, text, meeting=meeting_details,
                         questions=questions)
    # A topical question (price, how it works) comes before deciding, whatever else the reply
    # says; a generic one ("what would...?") only when the reply states no interest.
    topical = info_request or (info if open_questions else [])
    generic = generic_info if open_questions and not explicit_interest else []
    if topical or generic:
        confidence = 0.8 if topical else 0.7
        return _analysis("needs_more_info", confidence, topical or generic, text,
                         questions=questions)
    if interest:
        return _analysis("interested", 0.8, interest, text, questions=questions)
    if open_questions:
        return _analysis("needs_more_info", 0.55, ["a question without a known topic"], text,
                         questions=questions)
    if weak_interest:
        return _analysis("interested", 0.6, weak_interest, text)
    if delegation:
        return _analysis("delegated", 0.5, delegation, text, contact=contact)
    return _analysis("needs_more_info", 0.3 if not positive else 0.5,
                     ["no rule matched"], text)


def offline_handler(context: PromptContext) -> ReplyAnalysis:
    """The offline handler: the reply is read back from the prompt's reply block."""
    text, subject = reply_from_prompt(context.prompt)
    return offline_intent(text, subject)


def _hits(pattern: Phrases, text: str) -> list[str]:
    return _texts(pattern.finditer(text))


def _texts(matches: Iterable[re.Match[str]]) -> list[str]:
    return [m.group().strip() for m in matches if m.group().strip()][:5]


def _sentence_around(text: str, match: re.Match[str]) -> tuple[int, int]:
    start = max(text.rfind(c, 0, match.start()) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, match.end()) for c in ".!?\n") if i >= 0]
    return start, (min(ends) + 1 if ends else len(text))


def _proposed_slots(text: str) -> list[str]:
    """Days with a time ("Tuesday 10 March at 2 pm") the reply proposes: asked as a question, or
    next to an offer to talk, a "how about" or a "call me"."""
    days = [(m.start(), m.end()) for m in _DAYS.finditer(text)]
    days += [(d.start, d.end) for d in find_dates(text)]
    times = [(m.start(), m.end()) for m in _TIMES.finditer(text)]
    slots = [(min(d[0], t[0]), max(d[1], t[1])) for d in days for t in times
             if t[0] - d[1] <= _SLOT_GAP and d[0] - t[1] <= _SLOT_GAP]
    if not slots:
        return []
    cue = _TALK.search(text) or _SLOT_OFFER.search(text) or _CALL_ME.search(text)
    asked = [s for s in slots if re.match(r"[^.!?\n]{0,60}\?", text[s[1]:])]
    chosen = slots if cue else asked
    return _unique(text[a:b].strip() for a, b in sorted(chosen))


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans):
        text = text[:start] + " " * (end - start) + text[end:]
    return text


def _unique(items) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.lower(), item)
    return list(seen.values())[:5]


def _questions(text: str) -> list[str]:
    found = []
    for paragraph in _PARAGRAPHS.split(text):
        # Mail clients wrap lines inside a sentence: a paragraph is the unit, not a line.
        joined = " ".join(line.strip() for line in paragraph.splitlines() if line.strip())
        for sentence in _SENTENCES.split(joined):
            sentence = sentence.strip(" \t-–>*")
            if sentence.endswith("?") and len(sentence) > 3:
                found.append(sentence[:300])
    return found[:10]


def delegated_contact(text: str) -> DelegatedContact | None:
    """The person a delegating reply names: name, title and address as written."""
    addresses = [m.group().rstrip(".").lower() for m in _ADDRESS.finditer(text)]
    name = title = None
    for match in _NAME_AFTER_HANDOVER.finditer(text):
        candidate = _clean_name(match.group("name"))
        # A first name alone ("write to Hannah directly") yields to a full one said elsewhere.
        if candidate and (name is None or len(candidate.split()) > len(name.split())):
            name = candidate
            title = match.group("title") or _apposition_title(text, match.end("name"))
            if len(candidate.split()) > 1:
                break
    for pattern in () if name else (_TITLE_THEN_NAME, _NAME_THEN_TITLE):
        for match in pattern.finditer(text):
            candidate = _clean_name(match.group("name"))
            if candidate:
                name, title = candidate, match.group("title").strip()
                break
        if name:
            break
    if name is None:
        for pattern in (_HONORIFIC_NAME, _NAME_BEFORE_ADDRESS):
            match = next((m for m in pattern.finditer(text) if _clean_name(m.group("name"))),
                         None)
            if match:
                name = _clean_name(match.group("name"))
                break
    address = _address_for(name, addresses)
    if name is None and address:
        name = _name_from_address(address)
    if not (name or address):
        return None
    return DelegatedContact(name=name, title=title, email=address)


def _apposition_title(text: str, at: int) -> str | None:
    match = _APPOSITION.match(text, at)
    if match is None:
        return None
    title = (match.group("paren") or match.group("comma") or match.group("stop") or "").strip()
    return title if _TITLE_WORD.search(title) else None


def _clean_name(value: str) -> str | None:
    words = value.split()
    while words and words[-1].lower().strip(".,") in _GENERIC_WORDS:
        words.pop()
    if not words or words[0].lower().strip(".,") in _GENERIC_WORDS:
        return None
    return " ".join(words)[:120]


def _address_for(name: str | None, addresses: list[str]) -> str | None:
    if not addresses:
        return None
    if name:
        # Addresses are ASCII: "Jürgen Krämer" is jurgen.kramer@ or j.kraemer@.
        parts = {_fold(p) for p in re.findall(r"\w+", name) if len(p) > 1}
        parts |= {p.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                  for p in re.findall(r"\w+", name) if len(p) > 1}
        for address in addresses:
            local = address.split("@", 1)[0]
            if any(p in local for p in parts):
                return address
    return addresses[0]


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _name_from_address(address: str) -> str | None:
    local = address.split("@", 1)[0]
    parts = [p for p in re.split(r"[._-]", local) if p]
    if len(parts) < 2 or not all(p.isalpha() and len(p) > 1 for p in parts[:3]):
        return None
    if any(p.lower() in _GENERIC_WORDS for p in parts):
        return None
    return " ".join(p.capitalize() for p in parts[:3])


_SENTIMENT: dict[str, Sentiment] = {
    "interested": "positive", "meeting_request": "positive", "needs_more_info": "neutral",
    "delegated": "neutral", "not_interested": "negative", "unsubscribe": "negative",
}


def _analysis(intent: Intent, confidence: float, evidence: list[str], text: str, *,
              contact: DelegatedContact | None = None,
              meeting: MeetingPreferences | None = None,
              questions: list[str] | None = None) -> ReplyAnalysis:
    sentiment = _SENTIMENT[intent]
    if _HOSTILE.search(text):
        sentiment = "negative"
    quoted = ", ".join(f'"{e[:40]}"' if not e.startswith(("no rule", "the reply", "a question",
                                                              "subject"))
                       else e for e in evidence[:3])
    return ReplyAnalysis(
        intent=intent,
        sentiment=sentiment,
        confidence=round(confidence, 2),
        reasoning=f"Rules: {intent.replace('_', ' ')} ({quoted})."[:300],
        details=ReplyDetails(delegated_contact=contact, meeting=meeting,
                             questions=questions or []),
    )


__all__ = [
    "LOW_CONFIDENCE",
    "REPLY_INTENT_TASK",
    "SYSTEM_PROMPT",
    "ReplyAnalysis",
    "delegated_contact",
    "offline_handler",
    "offline_intent",
    "reply_intent_prompt",
]
